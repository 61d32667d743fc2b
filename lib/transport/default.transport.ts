/**
 * The transport a pool gets when its options name none: the local one, loaded when the first pool starts.
 * A worker thread imports the library for `@PoolJob`, `JobContext` and the errors and never starts a pool,
 * so it leaves the supervisor's files unloaded (26 files, about 0.4 MiB per worker).
 */
import type { JobTransport, TransportContext, TransportFactory } from './job-transport';
import type * as LocalTransportFile from './local.transport';

export const defaultTransport: TransportFactory = Object.assign(
  (context: TransportContext): JobTransport => {
    // A require, not an import: the library is CommonJS, and a static import would load the files in every worker.
    const { localTransport } = require('./local.transport') as typeof LocalTransportFile;
    return localTransport(context);
  },
  { transportName: 'local' },
);
