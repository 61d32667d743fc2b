import { DefaultValuePipe, Query } from '@nestjs/common';
import { IntRangePipe } from '../common/int-range.pipe.js';

/** Upper bound of `below`: trial division up to 10 million takes a few seconds of CPU per job. */
export const MAX_BELOW = 10_000_000;
/** `below` when the query leaves it out. */
export const DEFAULT_BELOW = 1_000_000;

/** The `below` query parameter: optional, a whole number from 2 to MAX_BELOW, else a 400. */
export const BelowQuery = (): ParameterDecorator =>
  Query('below', new DefaultValuePipe(DEFAULT_BELOW), new IntRangePipe(2, MAX_BELOW));
