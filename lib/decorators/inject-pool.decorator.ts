import { Inject } from '@nestjs/common';
import { getPoolToken } from '../pool.tokens';

/**
 * Injects a pool: the default one when `name` is omitted, else the one registered under `name`.
 * The default pool can also be injected by type, as `constructor(private readonly pool: Pool)`.
 */
export const InjectPool = (name?: string): ParameterDecorator & PropertyDecorator => Inject(getPoolToken(name));
