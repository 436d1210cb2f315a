/**
 * `pnpm bench:login [--root DIR]`
 *
 * What sign-in floods cost Keel and a legitimate customer signing in meanwhile. Keel runs in a child
 * process (`node --import tsx src/server/main.ts`, TRUST_PROXY=1 so each scenario can speak from its
 * own addresses with X-Forwarded-For) on a fresh PostgreSQL database with one customer. `--root` runs
 * another checkout's Keel instead (an older version, for a before/after comparison): only HTTP and
 * the user:create command are used, so any version works.
 *
 * Scenarios: guesses in parallel against one account; the same guesses in one tRPC batch; a batch of
 * 100 sign-ins for unknown emails, and 100 parallel ones from one address and from 100 addresses,
 * each with a legitimate sign-in sent 100 ms into it; 1,400 calls in one batched GET.
 * Prints figures; asserts nothing.
 */
import { execFile, spawn } from 'node:child_process';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { createTestDatabase } from '../test/helpers/postgres.ts';

const { values } = parseArgs({ options: { root: { type: 'string' } } });
const root = resolve(values.root ?? new URL('..', import.meta.url).pathname);
const jwtSecret = 'bench-login-secret-bench-login-secret-0123456789';
const email = 'customer@example.com';
const password = 'the-right-password-123';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

const database = await createTestDatabase('keel_bench_login');
const port = await freePort();
const env = {
  ...process.env,
  NODE_ENV: 'test',
  DATABASE_URL: database.url,
  DATA_DIR: `/tmp/keel-bench-login-${port}`,
  PORT: String(port),
  HOST: '127.0.0.1',
  JWT_SECRET: jwtSecret,
  LOG_LEVEL: 'error',
  WORKER: '0',
  TRUST_PROXY: '1',
};
const keel = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
  cwd: root,
  env,
  stdio: ['ignore', 'ignore', 'inherit'],
});
keel.once('exit', (code, signal) => {
  if (!stopping) console.error(`Keel exited (${code ?? signal}) before the benchmark was done`);
});
let stopping = false;
const base = `http://127.0.0.1:${port}`;
// A new connection per request: a keep-alive socket the server has just closed would fail a request.
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

interface Answer {
  status: number;
  ms: number;
  text: string;
}

function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const req = http.request(
      `${base}${path}`,
      {
        method,
        agent,
        headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => done({ status: res.statusCode ?? 0, ms: performance.now() - started, text }));
      },
    );
    req.on('error', fail);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const login = (as: string, address: string, pw: string) =>
  send(
    'POST',
    '/api/login',
    { 'content-type': 'application/json', 'x-forwarded-for': address },
    JSON.stringify({ email: as, password: pw }),
  );

const batchLogin = (address: string, attempts: { email: string; password: string }[]) =>
  send(
    'POST',
    `/trpc/${attempts.map(() => 'auth.login').join(',')}?batch=1`,
    { 'content-type': 'application/json', 'x-forwarded-for': address },
    JSON.stringify(Object.fromEntries(attempts.map((a, i) => [i, { json: a }]))),
  );

/** The HTTP statuses inside a tRPC batch answer (one per call), or the answer's own. */
function batchStatuses(answer: Answer): number[] {
  try {
    const body = JSON.parse(answer.text) as unknown;
    if (!Array.isArray(body)) return [answer.status];
    return body.map((item: { error?: { json?: { data?: { httpStatus?: number } } } }) =>
      item.error ? (item.error.json?.data?.httpStatus ?? 0) : 200,
    );
  } catch {
    return [answer.status];
  }
}

const tally = (statuses: number[]) =>
  [...statuses.reduce((m, s) => m.set(s, (m.get(s) ?? 0) + 1), new Map<number, number>())]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `flood`, sends the legitimate sign-in 100 ms into it, and reports both. */
async function withLegitimateSignIn(label: string, address: string, flood: () => Promise<number[]>) {
  const started = performance.now();
  const flooding = flood();
  await sleep(100);
  const legit = await login(email, address, password);
  const statuses = await flooding;
  console.log(
    `${label}: flood ${tally(statuses)} in ${seconds(performance.now() - started)}; ` +
      `legitimate sign-in meanwhile ${legit.status} in ${seconds(legit.ms)}`,
  );
}

try {
  for (let tries = 0; ; tries++) {
    try {
      if ((await fetch(`${base}/healthz`)).status === 200) break;
    } catch {
      if (tries > 600) throw new Error('Keel did not start');
    }
    await sleep(100);
  }
  await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'src/server/cli/user-create.ts', '--email', email, '--password', password],
    { cwd: root, env },
  );
  console.log(`Keel from ${root}, ${database.name}`);

  const alone: number[] = [];
  for (let i = 0; i < 5; i++) alone.push((await login(email, `198.51.100.${i}`, password)).ms);
  alone.sort((a, b) => a - b);
  console.log(`baseline: a sign-in alone takes ${seconds(alone[2]!)} (median of 5)`);

  const parallel = await Promise.all(
    Array.from({ length: 20 }, (_, i) => login(email, '203.0.113.20', `wrong-${i}`)),
  );
  const afterParallel = await login(email, '203.0.113.20', password);
  console.log(
    `20 parallel wrong passwords, one account: ${tally(parallel.map((a) => a.status))}; ` +
      `the right password then ${afterParallel.status}`,
  );

  const guesses = [
    ...Array.from({ length: 299 }, (_, i) => ({ email, password: `guess-${i}` })),
    { email, password },
  ];
  const batch = await batchLogin('203.0.113.30', guesses);
  console.log(
    `300 guesses in one batch (the last one right): HTTP ${batch.status}, calls ${tally(batchStatuses(batch))}, ` +
      `in ${seconds(batch.ms)}`,
  );

  const unknown = (tag: string) =>
    Array.from({ length: 100 }, (_, i) => ({
      email: `nobody-${tag}-${i}@example.com`,
      password: 'whatever-it-is',
    }));
  await withLegitimateSignIn('100 unknown emails in one batch (7 KB)', '198.51.100.50', async () =>
    batchStatuses(await batchLogin('203.0.113.40', unknown('batch'))),
  );
  await withLegitimateSignIn('100 parallel unknown emails from one address', '198.51.100.51', async () =>
    (await Promise.all(unknown('one').map((a) => login(a.email, '203.0.113.50', a.password)))).map(
      (a) => a.status,
    ),
  );
  await withLegitimateSignIn('100 parallel unknown emails from 100 addresses', '198.51.100.52', async () =>
    (await Promise.all(unknown('many').map((a, i) => login(a.email, `192.0.2.${i + 1}`, a.password)))).map(
      (a) => a.status,
    ),
  );

  const signedIn = JSON.parse((await login(email, '198.51.100.60', password)).text) as {
    accessToken: string;
  };
  const amplified = await send('GET', `/trpc/${Array(1400).fill('users.me').join(',')}?batch=1`, {
    authorization: `Bearer ${signedIn.accessToken}`,
  });
  console.log(
    `1,400 users.me in one GET: HTTP ${amplified.status}, ${amplified.text.length} bytes, in ${seconds(amplified.ms)}`,
  );
} finally {
  stopping = true;
  agent.destroy();
  keel.kill('SIGTERM');
  await new Promise((r) => keel.once('exit', r));
  await database.drop();
}
