/**
 * Imported first by the worker's entry, before Nest: on Node 22.1+ the module compile cache lets a worker reuse
 * the code its peers (and earlier runs) compiled instead of compiling ~670 files again. Node's own switch
 * turns it off: NODE_DISABLE_COMPILE_CACHE=1.
 */
import * as nodeModule from 'node:module';

const { enableCompileCache } = nodeModule as { enableCompileCache?: () => unknown };
if (typeof enableCompileCache === 'function' && !process.env.NODE_DISABLE_COMPILE_CACHE) {
  try {
    enableCompileCache();
  } catch {
    // A cache folder that cannot be written costs speed only.
  }
}
