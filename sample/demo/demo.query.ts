import { BadRequestException, DefaultValuePipe, ParseEnumPipe, Query } from '@nestjs/common';
import { IntRangePipe } from '../common/int-range.pipe.js';
import type { DemoMode } from './demo.service.js';

/** `jobs`: how many counts to run at once, 1 to 16 (enough to fill and queue a pool, few enough for a demo). */
export const JobsQuery = (): ParameterDecorator => Query('jobs', new DefaultValuePipe(4), new IntRangePipe(1, 16));

/** `mode`: `pool` (default) or `blocking`. */
export const ModeQuery = (): ParameterDecorator =>
  Query(
    'mode',
    new DefaultValuePipe('pool'),
    new ParseEnumPipe({ pool: 'pool', blocking: 'blocking' } satisfies Record<DemoMode, DemoMode>, {
      exceptionFactory: () => new BadRequestException('mode must be "pool" or "blocking"'),
    }),
  );
