/**
 * `pnpm bench [--full] [--only start,provision,migrate,ui,api] [--<name>-args="..."]`
 *
 * Runs every benchmark one after the other, each in its own process, and prints each one's figures
 * as it goes, then a summary. By default each runs at a small size that suits a 2-core machine;
 * `--full` lets each use its own defaults, and `--<name>-args` replaces a benchmark's arguments
 * (for example `--migrate-args="--scale 250000"`; the `=` is needed because the value starts with `--`). Asserts nothing; exits non-zero if a benchmark
 * could not run.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

interface Benchmark {
  name: string;
  script: string;
  /** Arguments for a small run on a 2-core machine. */
  small: string[];
}

const benchmarks: Benchmark[] = [
  { name: 'start', script: 'bench/start.ts', small: [] },
  {
    name: 'provision',
    script: 'bench/provision.ts',
    small: ['--servers', '50', '--speed', '20', '--nodes', '3'],
  },
  { name: 'migrate', script: 'bench/migrate.ts', small: ['--scale', '10000'] },
  { name: 'ui', script: 'bench/ui.ts', small: [] },
  {
    name: 'api',
    script: 'bench/api.ts',
    small: ['--duration', '10', '--dashboards', '1000', '--poll-duration', '20'],
  },
];

const { values } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    only: { type: 'string' },
    ...Object.fromEntries(benchmarks.map((b) => [`${b.name}-args`, { type: 'string' as const }])),
  },
});
const only = values.only?.split(',').map((s) => s.trim());
const unknown = only?.filter((name) => !benchmarks.some((b) => b.name === name)) ?? [];
if (unknown.length) {
  process.stderr.write(
    `Unknown benchmark(s): ${unknown.join(', ')}. Known: ${benchmarks.map((b) => b.name).join(', ')}\n`,
  );
  process.exit(2);
}
const root = new URL('..', import.meta.url).pathname;

function argsFor(b: Benchmark): string[] {
  const given = (values as Record<string, unknown>)[`${b.name}-args`];
  if (typeof given === 'string') return given.split(' ').filter(Boolean);
  return values.full ? [] : b.small;
}

function runOne(b: Benchmark, args: string[]): Promise<{ code: number; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    // Its own process: a benchmark's event loop, heap and children are its own, and a crash stays there.
    const child = spawn(process.execPath, ['--import', 'tsx', b.script, ...args], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.once('SIGINT', forward);
    process.once('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve({ code: code ?? (signal ? 128 : 1), seconds: (performance.now() - started) / 1000 });
    });
  });
}

const summary: string[] = [];
let failed = 0;
for (const b of benchmarks) {
  if (only && !only.includes(b.name)) continue;
  const args = argsFor(b);
  const command = `node --import tsx ${b.script} ${args.join(' ')}`.trim();
  process.stdout.write(`\n=== ${b.name}: ${command}\n`);
  const { code, seconds } = await runOne(b, args);
  if (code !== 0) failed++;
  summary.push(
    `  ${b.name.padEnd(10)} ${code === 0 ? 'ok    ' : `exit ${code}`}  ${seconds.toFixed(0).padStart(5)} s  ${command}`,
  );
}
process.stdout.write(`\n=== summary (${new Date().toISOString()})\n${summary.join('\n')}\n`);
process.exit(failed ? 1 : 0);
