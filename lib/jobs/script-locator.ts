/**
 * Finds the file that defines a class, whatever loaded it: Node's CommonJS or ES-module loader, a test runner's
 * module system, a loader hook. It asks V8, through an in-thread inspector session, where the class's code was
 * compiled (its `[[FunctionLocation]]` names a script), and maps that script to its URL. An ES-module app has
 * no other place to learn this from: the CommonJS cache holds none of its files.
 */
import type * as Inspector from 'node:inspector';

type Session = Inspector.Session;
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where a class's defining script was found, or why it was not. */
export type ScriptLocation = { readonly file: string } | { readonly unavailable: string };

/**
 * The session sees the process's main context only. A test runner that runs test code in a context of its
 * own (jest) hands classes over through an object both contexts share: a built-in module's exports.
 */
const HANDOVER_MODULE = 'node:inspector';
const HANDOVER_KEY = '__nestjsPoolioProbe';

export class ScriptLocator {
  private session: Session | undefined;
  private unavailable: string | undefined;
  private readonly urls = new Map<string, string>();

  /** The absolute path of the file whose code defines `type`. */
  locate(type: Function): ScriptLocation {
    const session = this.connect();
    if (!session) return { unavailable: this.unavailable! };
    const scriptId = this.scriptIdOf(session, type);
    if (scriptId === undefined) return { unavailable: 'V8 did not say where its code was compiled' };
    if (!this.urls.has(scriptId)) this.readScriptUrls(session);
    const url = this.urls.get(scriptId);
    if (!url) return { unavailable: 'its code was compiled from a string, not from a file' };
    const file = toFile(url);
    return file ? { file } : { unavailable: `its code came from ${url}, which is not a file` };
  }

  /** Ends the session: the locator is used while the pool starts, once. */
  close(): void {
    this.session?.disconnect();
    this.session = undefined;
    this.urls.clear();
  }

  private connect(): Session | undefined {
    if (this.session || this.unavailable) return this.session;
    try {
      // Loaded here, not imported: a Node built without the inspector throws on loading it.
      const { Session: InspectorSession } = require('node:inspector') as typeof Inspector;
      const session = new InspectorSession();
      session.connect();
      session.on('Debugger.scriptParsed', ({ params }) => {
        if (params.url) this.urls.set(params.scriptId, params.url);
      });
      this.session = session;
    } catch (error) {
      this.unavailable = `this Node has no usable inspector (${error instanceof Error ? error.message : String(error)})`;
    }
    return this.session;
  }

  private scriptIdOf(session: Session, type: Function): string | undefined {
    const handover = require(HANDOVER_MODULE) as Record<string, unknown>;
    handover[HANDOVER_KEY] = type;
    try {
      const evaluated = post<{ result: { objectId?: string } }>(session, 'Runtime.evaluate', {
        expression: `process.getBuiltinModule(${JSON.stringify(HANDOVER_MODULE)}).${HANDOVER_KEY}`,
        objectGroup: 'nestjs-poolio',
      });
      const objectId = evaluated.result.objectId;
      if (!objectId) return undefined;
      const properties = post<{ internalProperties?: { name: string; value?: { value?: { scriptId?: string } } }[] }>(
        session,
        'Runtime.getProperties',
        { objectId, ownProperties: true },
      );
      return properties.internalProperties?.find((p) => p.name === '[[FunctionLocation]]')?.value?.value?.scriptId;
    } finally {
      delete handover[HANDOVER_KEY];
      post(session, 'Runtime.releaseObjectGroup', { objectGroup: 'nestjs-poolio' });
    }
  }

  /** Enabling the debugger replays a `scriptParsed` for every script compiled so far; it is off again at once. */
  private readScriptUrls(session: Session): void {
    post(session, 'Debugger.enable', {});
    post(session, 'Debugger.disable', {});
  }
}

/**
 * An in-thread session answers synchronously; the callback has run when `post` returns.
 */
function post<T>(session: Session, method: string, params: object): T {
  let answer: { error: Error | null; result: unknown } | undefined;
  (session.post as (m: string, p: object, cb: (error: Error | null, result: unknown) => void) => void)(
    method,
    params,
    (error, result) => (answer = { error, result }),
  );
  if (!answer) throw new Error(`the inspector did not answer ${method} at once`);
  if (answer.error) throw answer.error;
  return answer.result as T;
}

/** A script URL as a path on disk, or undefined for what is no file (a bundler's virtual module, node:…). */
function toFile(url: string): string | undefined {
  let file: string;
  if (url.startsWith('file:')) {
    try {
      file = fileURLToPath(url.replace(/[?#].*$/, ''));
    } catch {
      return undefined;
    }
  } else if (url.startsWith('/') || /^[A-Za-z]:[\\/]/.test(url)) {
    file = url;
  } else {
    return undefined;
  }
  return existsSync(file) ? file : undefined;
}
