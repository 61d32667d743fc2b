/**
 * Issue 10, item 7: the tarball users install. It must hold the LICENSE, the README and dist/lib (plus the
 * package.json npm always packs), and nothing that points at a file it lacks: no source maps, whose sources
 * (lib/*.ts) are not packed, and no sourceMappingURL comments. The library is built as `npm pack` builds it
 * (the prepack script's tsconfig.lib.json), into a folder of its own so the suite's dist/ stays as it is.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

describe('the packed package', () => {
  let stage: string;
  let files: string[];

  beforeAll(() => {
    stage = mkdtempSync(join(tmpdir(), 'poolio-pack-'));
    for (const file of ['package.json', 'README.md', 'LICENSE']) copyFileSync(join(ROOT, file), join(stage, file));
    execFileSync(process.execPath, [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(ROOT, 'tsconfig.lib.json'),
      '--outDir',
      join(stage, 'dist'),
    ]);
    execFileSync(process.execPath, [
      join(ROOT, 'scripts/build-worker-bundle.mjs'),
      join(stage, 'dist', 'lib', 'worker-bundle'),
    ]);
    // The scripts already ran (the build above is prepack's); npm's own list of what it would pack:
    const npm = process.env.npm_execpath;
    const [command, args] = npm?.endsWith('.js') ? [process.execPath, [npm]] : ['npm', []];
    const listing = execFileSync(command, [...args, 'pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: stage,
      encoding: 'utf8',
    });
    files = (JSON.parse(listing) as { files: { path: string }[] }[])[0].files.map((file) => file.path);
  });

  afterAll(() => rmSync(stage, { recursive: true, force: true }));

  it('holds the LICENSE, the README, package.json and dist/lib only', () => {
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/lib/index.js']));
    expect(
      files.filter((file) => !['LICENSE', 'README.md', 'package.json'].includes(file) && !file.startsWith('dist/lib/')),
    ).toEqual([]);
    const bundle = ['dist/lib/worker-bundle/worker-bundle.cjs', 'dist/lib/worker-bundle/manifest.json'];
    expect(files.filter((file) => !/\.(js|d\.ts)$/.test(file) && file.startsWith('dist/')).sort()).toEqual(
      bundle.sort(),
    );
  });

  it('has no source map and no reference to one', () => {
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
    const referencing = files.filter(
      (file) => file.endsWith('.js') && readFileSync(join(stage, file), 'utf8').includes('sourceMappingURL'),
    );
    expect(referencing).toEqual([]);
  });

  it('exports only files that are packed', () => {
    const manifest = JSON.parse(readFileSync(join(stage, 'package.json'), 'utf8')) as {
      main: string;
      types: string;
      exports: Record<string, string | Record<string, string>>;
    };
    const targets = [manifest.main, manifest.types];
    for (const entry of Object.values(manifest.exports))
      targets.push(...(typeof entry === 'string' ? [entry] : Object.values(entry)));
    const missing = targets
      .map((target) => target.replace(/^\.\//, ''))
      .filter((target) => !existsSync(join(stage, target)));
    expect(missing).toEqual([]);
    expect(
      targets
        .filter((target) => target.replace(/^\.\//, '') !== 'package.json')
        .every((t) => files.includes(t.replace(/^\.\//, ''))),
    ).toBe(true);
  });
});
