import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = join(__dirname, '..');
const LIB = join(ROOT, 'lib');

const MAX_LINES = 300;

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: ROOT, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr }),
    );
  });
}

function libFiles(dir: string = LIB): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? libFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

interface LintMessage {
  readonly ruleId: string | null;
  readonly message: string;
}

/** Lints files written into lib/ for the occasion (the rules are per folder), then removes them. */
async function lintProbes(probes: Record<string, string>): Promise<Record<string, LintMessage[]>> {
  const tag = `lint-probe-${process.pid}`;
  const written = Object.keys(probes).map((path) => join(LIB, path.replace('PROBE', tag)));
  try {
    Object.values(probes).forEach((source, i) => {
      mkdirSync(dirname(written[i]), { recursive: true });
      writeFileSync(written[i], source);
    });
    const eslint = join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js');
    const { stdout, stderr } = await run(process.execPath, [eslint, '--format', 'json', ...written]);
    const results = JSON.parse(stdout || `{"stderr": ${JSON.stringify(stderr)}}`) as {
      filePath: string;
      messages: LintMessage[];
    }[];
    const byProbe: Record<string, LintMessage[]> = {};
    Object.keys(probes).forEach((probe, i) => {
      byProbe[probe] = results.find((result) => result.filePath === written[i])?.messages ?? [];
    });
    return byProbe;
  } finally {
    for (const file of written) rmSync(file, { force: true });
    rmSync(join(LIB, tag), { recursive: true, force: true });
  }
}

const rulesOf = (messages: LintMessage[] | undefined): (string | null)[] => (messages ?? []).map((m) => m.ruleId);
const RESTRICTED = '@typescript-eslint/no-restricted-imports';

describe('Architecture rules', () => {
  it('lint refuses imports against the direction of the layers, and allows what the layers may import', async () => {
    const used = '\nexport const used = [a];\n';
    const found = await lintProbes({
      'protocol/PROBE-nest.ts': `import { HttpException as a } from '@nestjs/common';${used}`,
      'protocol/PROBE-up.ts': `import { Supervisor as a } from '../supervisor/supervisor';${used}`,
      'protocol/PROBE-top.ts': `import { Pool as a } from '../pool';${used}`,
      'protocol/PROBE-ok.ts':
        `import type { LogLevel } from '@nestjs/common';\nimport { PoolError as a } from '../errors';\n` +
        `import { PanicSwitch } from '../panic-switch.enum';\nexport type L = LogLevel;\nexport const used = [a, PanicSwitch];\n`,
      'supervisor/PROBE-nest.ts': `import { Logger as a } from '@nestjs/common';${used}`,
      'supervisor/PROBE-worker.ts': `import { JobRunner as a } from '../worker/job-runner';${used}`,
      'supervisor/PROBE-top.ts': `import { PoolModule as a } from '../pool.module';${used}`,
      'worker/PROBE-supervisor.ts': `import { Job as a } from '../supervisor/job';${used}`,
      'worker/PROBE-module.ts': `import { PoolModule as a } from '../pool.module';${used}`,
      'worker/PROBE-pool.ts': `import { Pool as a } from '../pool';${used}`,
      'errors/PROBE-up.ts': `import { Pool as a } from '../pool';${used}`,
      'interfaces/PROBE-up.ts': `import { Job as a } from '../supervisor/job';${used}`,
      'PROBE/a.ts': `import { b as a } from './b';\nexport const used = () => a;\n`,
      'PROBE/b.ts': `import { used as a } from './a';\nexport const b = () => a;\n`,
    });
    for (const probe of Object.keys(found).filter((p) => !p.endsWith('-ok.ts') && !p.startsWith('PROBE/'))) {
      expect({ probe, rules: rulesOf(found[probe]) }).toEqual({ probe, rules: [RESTRICTED] });
    }
    expect(rulesOf(found['protocol/PROBE-ok.ts'])).toEqual([]);
    expect(found['supervisor/PROBE-worker.ts']?.[0]?.message).toMatch(/not worker\/ \(another thread\)/);
    expect(rulesOf(found['PROBE/a.ts'])).toEqual(['import-x/no-cycle']);
    expect(rulesOf(found['PROBE/b.ts'])).toEqual(['import-x/no-cycle']);
  }, 120_000);

  it(`keeps every lib/ file at ${MAX_LINES} lines or fewer`, () => {
    const tooLong = libFiles()
      .map((file) => ({
        file: relative(ROOT, file).split('\\').join('/'),
        lines: readFileSync(file, 'utf8').split('\n').length - 1,
      }))
      .filter(({ lines }) => lines > MAX_LINES);
    expect(tooLong).toEqual([]);
  });

  it('loads no supervisor in a worker, and no Nest with the protocol: the import graph at run time', async () => {
    const probe = [
      "const seen = (part) => Object.keys(require.cache).filter((file) => file.split(require('node:path').sep).join('/').includes(part));",
      "require('./lib/protocol/error-codec.ts');",
      "const protocolLoadsNest = seen('/node_modules/@nestjs/').length;",
      "require('./lib/decorators/inject-pool.decorator.ts');",
      "const injectLoadsPool = seen('/lib/pool.ts').length + seen('/lib/supervisor/').length;",
      "require('./lib/worker/worker-context.ts');",
      "const workerLoadsSupervisor = seen('/lib/supervisor/').length + seen('/lib/pool.module.ts').length;",
      'console.log(JSON.stringify({ protocolLoadsNest, injectLoadsPool, workerLoadsSupervisor }));',
    ].join('\n');
    const { stdout, stderr } = await run(process.execPath, ['--require', '@swc-node/register', '-e', probe]);
    expect({ out: stdout.trim(), stderr }).toMatchObject({
      out: JSON.stringify({ protocolLoadsNest: 0, injectLoadsPool: 0, workerLoadsSupervisor: 0 }),
    });
  }, 120_000);
});
