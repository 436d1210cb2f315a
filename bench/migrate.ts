/**
 * `pnpm bench:migrate [--scale 250000] [--batch-size 2000] [--source URL] [--runs 2]`: seeds the WHMCS testbed (if
 * that scale is not there yet) in a child process, migrates into a fresh PostgreSQL database, reruns, and measures
 * the raw baseline (the same tblhosting rows exported from MariaDB and COPY-ed into PostgreSQL). Prints figures;
 * asserts nothing. Peak RSS is this process's own (`process.resourceUsage().maxRSS`): the seeder never runs in it.
 * `--source URL` migrates that WHMCS database as it is (seeded beforehand, e.g. by `pnpm testbed:whmcs`) instead
 * of the bench's own; `--runs 1` skips the rerun. Each phase's line shows the RSS and heap used when it ended.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import mysql from 'mysql2';
import postgres from 'postgres';
import pino from 'pino';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { defaultMapping } from '../src/migrate/mapping.ts';
import { runMigration } from '../src/migrate/run.ts';
import { connectSource } from '../src/migrate/source.ts';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '250000' },
    'batch-size': { type: 'string', default: '2000' },
    source: { type: 'string' },
    runs: { type: 'string', default: '2' },
  },
});
const scale = Number(values.scale);
const batchSize = Number(values['batch-size']);
const root = new URL('..', import.meta.url).pathname;
// The seeded source is named after the generator's own code, so a changed generator seeds afresh.
const generator = createHash('sha256');
for (const f of readdirSync(join(root, 'testbed/whmcs')).sort())
  if (f.endsWith('.ts') && !f.endsWith('.test.ts'))
    generator.update(readFileSync(join(root, 'testbed/whmcs', f)));
const url =
  values.source ??
  `mysql://root@127.0.0.1:3306/keel_bench_whmcs_${scale}_${generator.digest('hex').slice(0, 8)}`;
const dbName = decodeURIComponent(new URL(url).pathname.slice(1));
console.log(
  `settings: --scale ${scale} --batch-size ${batchSize}, seed 1, source ${url}, target a fresh PostgreSQL database on ` +
    `127.0.0.1:5432, Node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
);

const probe = mysql.createConnection({ host: '127.0.0.1', user: 'root' }).promise();
const [exists] = await probe.query<mysql.RowDataPacket[]>(
  `SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'tblhosting'`,
  [dbName],
);
await probe.end();
if (Number(exists[0]?.n) === 0) {
  if (values.source) throw new Error(`--source ${url} has no tblhosting: seed it first`);
  const dir = mkdtempSync(join(tmpdir(), 'keel-bench-seed-'));
  const t = Date.now();
  const seeded = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'testbed/whmcs/cli.ts',
      '--url',
      url,
      '--scale',
      String(scale),
      '--reset',
      '--manifest',
      join(dir, 'manifest.json'),
    ],
    { cwd: root, stdio: 'inherit' },
  );
  rmSync(dir, { recursive: true, force: true });
  if (seeded.status !== 0) throw new Error(`seeding failed (exit ${seeded.status})`);
  console.log(`seeded scale ${scale} in ${((Date.now() - t) / 1000).toFixed(1)} s (child process)`);
}

const target = await createTestDatabase('keel_bench_migrate');
const log = pino({ level: 'warn' });
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
// What the RSS was made of when it peaked (sampled every 250 ms): V8's heap, or memory outside it (buffers).
let atPeak = process.memoryUsage();
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  if (m.rss > atPeak.rss) atPeak = m;
}, 250);
sampler.unref();
const peakLine = () =>
  `peak RSS so far ${mb(process.resourceUsage().maxRSS * 1024)} MB (sampled ${mb(atPeak.rss)} MB: heap ` +
  `${mb(atPeak.heapUsed)}/${mb(atPeak.heapTotal)} MB, external ${mb(atPeak.external)} MB)`;
try {
  const source = await connectSource(url);
  const [[{ n: services }]] = (await source.conn.query(
    'SELECT COUNT(*) AS n FROM tblhosting',
  )) as unknown as [[{ n: number }]];
  const run = async (label: string) => {
    const t = Date.now();
    const r = await runMigration({
      source,
      db: target.handle.db,
      mapping: defaultMapping,
      dryRun: false,
      batchSize,
      clientIds: null,
      pve: null,
      log,
      onPhase: (p) => {
        // Under `node --expose-gc` the heap is collected first, so "heap used" is what the run still holds.
        (globalThis as { gc?: () => void }).gc?.();
        const m = process.memoryUsage();
        console.log(
          `  ${p.phase} done at ${p.seconds.toFixed(1)} s: RSS ${mb(m.rss)} MB, heap used ${mb(m.heapUsed)} MB, ${peakLine()}`,
        );
      },
    });
    const secs = (Date.now() - t) / 1000;
    const rate = Math.round(Number(services) / secs);
    console.log(
      `${label}: ${Number(services)} services in ${secs.toFixed(1)} s = ${rate} services/s ` +
        `(servers created ${r.counts.servers.created}, updated ${r.counts.servers.updated}, unchanged ${r.counts.servers.unchanged}; ` +
        `reconciliation ${r.reconciliation?.ok ? 'OK' : 'MISMATCH'}; peak RSS so far ${mb(process.resourceUsage().maxRSS * 1024)} MB)`,
    );
    console.log(
      `  time: ${Object.entries(r.phaseSeconds)
        .map(([k, v]) => `${k} ${v.toFixed(2)} s`)
        .join(', ')}`,
    );
    return { secs, rate };
  };
  const first = await run('first run');
  const rerun = Number(values.runs) > 1 ? await run('rerun') : null;
  await source.close();

  // Raw baseline: the same tblhosting rows streamed out of MariaDB and COPY-ed into PostgreSQL as text.
  const t = Date.now();
  const pg = postgres(target.url, { max: 1, onnotice: () => {} });
  await pg`create unlogged table raw_hosting (id int, userid int, packageid int, server int, regdate text, domain text,
    billingcycle text, amount text, nextduedate text, domainstatus text, dedicatedip text, assignedips text)`;
  const my = mysql.createConnection({ host: '127.0.0.1', user: 'root', database: dbName, dateStrings: true });
  const esc = (v: unknown) =>
    v === null
      ? '\\N'
      : // eslint-disable-next-line @typescript-eslint/no-base-to-string -- MariaDB values print as themselves
        String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  const rows = my
    .query(
      'SELECT id, userid, packageid, server, regdate, domain, billingcycle, amount, nextduedate, domainstatus, dedicatedip, assignedips FROM tblhosting',
    )
    .stream();
  const lines = Readable.from(
    (async function* () {
      for await (const row of rows as AsyncIterable<Record<string, unknown>>)
        yield `${Object.values(row).map(esc).join('\t')}\n`;
    })(),
  );
  await pipeline(lines, await pg`copy raw_hosting from stdin`.writable());
  my.end();
  await pg.end();
  const baseline = (Date.now() - t) / 1000;
  console.log(
    `raw baseline (MariaDB export → COPY): ${baseline.toFixed(1)} s = ${Math.round(Number(services) / baseline)} services/s`,
  );
  console.log(`ratio first run / baseline: ${(first.secs / baseline).toFixed(2)}x`);
  console.log(
    `summary: first run ${first.rate} services/s (goal ≥ 20000), rerun ${rerun?.rate ?? '-'} services/s (goal ≥ 50000), ` +
      `ratio ${(first.secs / baseline).toFixed(2)}x (goal ≤ 3), peak RSS ${mb(process.resourceUsage().maxRSS * 1024)} MB (goal < 300)`,
  );
} finally {
  await target.drop();
}
