/**
 * Builds the worker bundle: @nestjs/common, @nestjs/core, rxjs, reflect-metadata and what they import, as one
 * CommonJS file that a worker loads instead of resolving, reading and compiling ~670 files one by one (most of
 * a worker's boot). The library's own files and the app's files stay out of it.
 *
 * The bundle keeps every module it holds addressable: it exports, per original file, that file's exports (an
 * ES module's namespace, a CommonJS module's `module.exports`), and a manifest of which file of which package,
 * at which version, each one is. In a worker (lib/worker/worker-bundle.ts) a module hook answers a load of any
 * of those files with a stand-in that re-exports the bundle's instance, so the app's `import '@nestjs/common'`,
 * a deep import of `@nestjs/core/injector/module-ref.js` and the bundle's own code all meet the same classes.
 *
 *   node scripts/build-worker-bundle.mjs [outDir]    (default: dist/lib/worker-bundle)
 *
 * Run by `npm run build`, `npm start`, `npm test`, `npm run bench` and `prepack`; a worker that finds no bundle,
 * or one built for other versions than the ones installed, loads the files as before.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import console from 'node:console';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = resolve(process.argv[2] ?? join(ROOT, 'dist', 'lib', 'worker-bundle'));
/** What a worker imports; everything these reach is bundled, but the optional packages below. */
const ENTRIES = ['reflect-metadata', '@nestjs/common', '@nestjs/core', 'rxjs'];
/** Loaded by Nest only when an app uses them (or never in a worker): they stay files, found from the bundle. */
const EXTERNAL = [
  /^@nestjs\/(microservices|websockets|platform-[\w-]+)(\/|$)/,
  /^class-(validator|transformer)(\/|$)/,
  /^(file-type|load-esm)(\/|$)/,
];
const FORMAT_VERSION = 1;
/**
 * Node built-ins that Nest imports for its HTTP server, HTTPS checks and hashing, which a worker never uses:
 * loaded when first touched instead of with the bundle, they leave a worker ~0.9 MiB lighter (on Node 24, with
 * their ~35 internal files: http, net, tls, crypto). The bundler hoists each to one `let x=require("x")`.
 */
const DEFERRED_BUILTINS = ['http', 'tls', 'crypto'];
/**
 * As Node loads them: every file, even one the bundler would drop (the manifest must name each file a worker
 * may load), resolved under Node's conditions (`import` or `require` is added by the kind of the import).
 */
const NODE_LIKE = {
  platform: 'node',
  external: EXTERNAL,
  treeshake: false,
  resolve: { conditionNames: ['node', 'module-sync'], mainFields: ['main'] },
};

/** The package a file belongs to: the nearest package.json with a name and version (rxjs has nameless ones). */
function packageOf(file, cache) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    if (cache.has(dir)) return cache.get(dir);
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const json = JSON.parse(readFileSync(manifest, 'utf8'));
    if (!json.name || !json.version) continue;
    const found = { root: dir, json };
    cache.set(dir, found);
    return found;
  }
  throw new Error(`worker bundle: ${file} belongs to no package`);
}

/** CommonJS or ES module, as Node decides it for a file. */
function isCommonJs(file, json) {
  if (file.endsWith('.cjs')) return true;
  if (file.endsWith('.mjs')) return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const type = JSON.parse(readFileSync(manifest, 'utf8')).type;
      if (type !== undefined || dir === json.root) return type !== 'module';
    }
    if (dir === dirname(dir)) return true;
  }
}

/** Where Node finds package `name` from the package in `dir`, as lib/worker/worker-bundle.finder.ts looks. */
function rootFrom(name, dir) {
  const paths = createRequire(join(dir, 'package.json')).resolve.paths(name) ?? [];
  const found = paths.map((path) => join(path, name)).find((candidate) => existsSync(join(candidate, 'package.json')));
  return found && realpathSync(found);
}

/**
 * Each deferred built-in's `require` becomes a stand-in object that requires it on first use of any property:
 * `http.STATUS_CODES`, `x instanceof tls.Server` and `crypto.createHash()` behave as before. One the bundler
 * hoisted differently stays as it is (loaded with the bundle, as before), with a warning.
 */
function deferBuiltins(code) {
  let deferred = code;
  for (const name of DEFERRED_BUILTINS) {
    const hoisted = new RegExp(`\\b(let|const|var) ([\\w$]+)=require\\(\\"(?:node:)?${name}\\"\\);`, 'g');
    const before = deferred;
    deferred = deferred.replace(
      hoisted,
      (_, kind, binding) => `${kind} ${binding}=__poolioDeferred(${JSON.stringify(name)});`,
    );
    if (deferred === before) console.warn(`worker bundle: ${name} was not deferred (no hoisted require of it)`);
  }
  if (deferred === code) return code;
  // A function declaration: hoisted above every use in the bundle.
  const helper =
    'function __poolioDeferred(id){let m;const load=()=>m??=require(id);return new Proxy({},{get:(_,k)=>load()[k],' +
    'has:(_,k)=>k in load(),ownKeys:()=>Reflect.ownKeys(load()),getOwnPropertyDescriptor:(_,k)=>{' +
    'const d=Reflect.getOwnPropertyDescriptor(load(),k);if(d)d.configurable=true;return d}})}';
  return `${deferred}\n;${helper}\n`;
}

async function moduleIdsOf(input) {
  const bundle = await build({
    input,
    ...NODE_LIKE,
    write: false,
    logLevel: 'silent',
    output: { format: 'cjs', codeSplitting: false },
  });
  return bundle.output.flatMap((chunk) => chunk.moduleIds ?? []).filter((id) => !id.startsWith('\0'));
}

async function main() {
  // Inside the package, so that the entries resolve as this library resolves them.
  const temp = mkdtempSync(join(ROOT, 'node_modules', '.poolio-worker-bundle-'));
  try {
    const first = join(temp, 'entries.mjs');
    writeFileSync(first, ENTRIES.map((entry) => `import * as _${ENTRIES.indexOf(entry)} from '${entry}';`).join('\n'));
    // Node decides a file's identity by its real path: so must the manifest.
    const files = (await moduleIdsOf(first)).filter((id) => id !== first).map((id) => realpathSync(id));
    const packages = new Map();
    const cache = new Map();
    const modules = files.map((file) => {
      const pkg = packageOf(file, cache);
      if (!packages.has(pkg.root)) packages.set(pkg.root, pkg);
      return { file, pkg, commonJs: isCommonJs(file, pkg) };
    });
    // Every file's exports, in the order the bundler runs them: an ES module's namespace, a CommonJS module's
    // module.exports. The latter through a one-line shim that requires it: imported as it is, each of the 239
    // CommonJS files got an ES-module wrapper with a getter per export, which every worker kept (about 0.2 MiB).
    const entry = join(temp, 'worker-bundle.mjs');
    const lines = modules.map(({ file, commonJs }, i) => {
      if (!commonJs) return `import * as m${i} from ${JSON.stringify(file)};`;
      const shim = join(temp, `cjs-${i}.mjs`);
      writeFileSync(shim, `export default require(${JSON.stringify(file)});\n`);
      return `import m${i} from ${JSON.stringify(shim)};`;
    });
    lines.push(`export const modules = [${modules.map((_, i) => `m${i}`).join(', ')}];`);
    writeFileSync(entry, lines.join('\n'));

    const roots = [...packages.keys()];
    for (const name of ENTRIES) {
      if (!roots.includes(rootFrom(name, ROOT))) throw new Error(`worker bundle: ${name} is not where Node finds it`);
    }
    const manifest = {
      format: FORMAT_VERSION,
      // How a worker finds each package where the app is installed: as Node would, from a package that
      // depends on it (or, for the entries, from this library), checked by version.
      packages: roots.map((root) => {
        const { json } = packages.get(root);
        if (ENTRIES.includes(json.name)) return { name: json.name, version: json.version, from: null };
        const from = roots.find((other) => {
          const dependent = packages.get(other).json;
          const wants = { ...dependent.dependencies, ...dependent.peerDependencies }[json.name];
          return other !== root && wants !== undefined && rootFrom(json.name, other) === root;
        });
        if (from === undefined) throw new Error(`worker bundle: no bundled package finds ${root} as Node would`);
        return { name: json.name, version: json.version, from: roots.indexOf(from) };
      }),
      modules: modules.map(({ file, pkg, commonJs }) => [
        roots.indexOf(pkg.root),
        relative(pkg.root, file).split(sep).join('/'),
        commonJs ? 1 : 0,
      ]),
    };
    rmSync(OUT_DIR, { recursive: true, force: true });
    mkdirSync(OUT_DIR, { recursive: true });
    const bundled = await build({
      input: entry,
      ...NODE_LIKE,
      logLevel: 'warn',
      output: {
        file: join(OUT_DIR, 'worker-bundle.cjs'),
        format: 'cjs',
        codeSplitting: false,
        // Every worker holds the source (860 KB as written, 595 KB so): whitespace and comments out, local names
        // shortened, code as it is (compressing it also rewrites the requires deferBuiltins looks for); ASCII only,
        // so V8 keeps it one byte per character. Functions and classes keep their names: Nest reads them (module
        // and provider names, tokens in its errors), and so do stack traces.
        keepNames: true,
        minify: { compress: false, mangle: true, codegen: { removeWhitespace: true, asciiOnly: true } },
      },
    });
    const ids = bundled.output.flatMap((chunk) => chunk.moduleIds ?? []).filter((id) => !id.startsWith('\0'));
    const included = new Set(ids.map((id) => realpathSync(id)));
    const missing = files.filter((file) => !included.has(file));
    if (missing.length > 0) throw new Error(`worker bundle: the bundler dropped ${missing.join(', ')}`);
    const file = join(OUT_DIR, 'worker-bundle.cjs');
    writeFileSync(file, deferBuiltins(readFileSync(file, 'utf8')));
    writeFileSync(join(OUT_DIR, 'manifest.json'), `${JSON.stringify(manifest)}\n`);
    console.log(`worker bundle: ${modules.length} files of ${roots.length} packages in ${relative(ROOT, OUT_DIR)}`);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

await main();
