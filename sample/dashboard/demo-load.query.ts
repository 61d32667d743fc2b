import { DefaultValuePipe, Query } from '@nestjs/common';
import { IntRangePipe } from '../common/int-range.pipe.js';

/** Most jobs one demo burst may submit. */
export const MAX_DEMO_COUNT = 200;
/** `count` when the query leaves it out. */
export const DEFAULT_DEMO_COUNT = 40;

/** `count`: how many prime counts a demo burst submits, 1 to MAX_DEMO_COUNT, else a 400 that says so. */
export const CountQuery = (): ParameterDecorator =>
  Query('count', new DefaultValuePipe(DEFAULT_DEMO_COUNT), new IntRangePipe(1, MAX_DEMO_COUNT));
