/**
 * The PVE simulator as its own process (`pnpm testbed:pve`), the way it stands in for a cluster: Keel
 * reaches it only over HTTP through PVE_URL, and the test through the PVE API and `/_sim/`.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const root = new URL('../..', import.meta.url).pathname;

export interface PveProcess {
  proc: ChildProcess;
  url: string;
  tokenId: string;
  tokenSecret: string;
  adminSecret: string;
  /** A PVE API call with the token, as an operator's script (or `qm`) would make it. */
  pve(method: string, path: string, params?: Record<string, string>): Promise<any>;
  /** A `/_sim/` admin call. */
  admin(method: string, path: string, body?: unknown): Promise<any>;
  stop(): Promise<void>;
}

export async function startPveProcess(options: { speed?: number } = {}): Promise<PveProcess> {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'testbed/pve/cli.ts',
      '--http',
      '--port',
      '0',
      '--speed',
      String(options.speed ?? 50),
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (!/X-Sim-Admin: \S+/.test(out)) return;
      clearInterval(timer);
      resolve();
    }, 20);
    proc.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`simulator exited with ${code}: ${out}`));
    });
  });
  const field = (re: RegExp) => re.exec(out)![1]!;
  const url = field(/PVE_URL=(\S+)/);
  const tokenId = field(/PVE_TOKEN_ID=(\S+)/);
  const tokenSecret = field(/PVE_TOKEN_SECRET=(\S+)/);
  const adminSecret = field(/X-Sim-Admin: (\S+)/);
  return {
    proc,
    url,
    tokenId,
    tokenSecret,
    adminSecret,
    async pve(method, path, params = {}) {
      const body = new URLSearchParams(params).toString();
      const res = await fetch(`${url}/api2/json${path}${method === 'GET' && body ? `?${body}` : ''}`, {
        method,
        headers: {
          authorization: `PVEAPIToken=${tokenId}=${tokenSecret}`,
          ...(method !== 'GET' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(method !== 'GET' ? { body } : {}),
      });
      const json = (await res.json()) as { data: unknown };
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json.data;
    },
    async admin(method, path, body) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { 'x-sim-admin': adminSecret, 'content-type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const json = (await res.json()) as { data: unknown };
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json.data;
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
