import * as nestCommon from '@nestjs/common';
import { useHttpErrors } from './protocol/http-errors';

/** Hands Nest's HttpException family to the error codec, which imports no Nest of its own. */
export function shareNestHttpErrors(): void {
  useHttpErrors(nestCommon.HttpException, nestCommon as unknown as Record<string, unknown>);
}
