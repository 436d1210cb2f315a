/**
 * A typed client for the Proxmox VE calls Keel makes, over PVE's own HTTP API: API-token auth, TLS with
 * an optional pinned certificate fingerprint, a timeout per call, retries only where repeating is safe,
 * and task waiting. The same code talks to the simulator in tests and to a real cluster in production.
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { callBackoffMs, isRepeatableCall } from '../domain/retry-policy.ts';
import { pollUntil, sleep } from '../lib/poll-until.ts';
import { classifyPveError, PveError } from './errors.ts';
import { isTaskSuccess, parseUpid } from './upid.ts';

export interface PveClientOptions {
  /** e.g. `https://pve1.example.com:8006` (no `/api2/json`). */
  baseUrl: string;
  tokenId: string;
  tokenSecret: string;
  /** SHA-256 fingerprint of a self-signed node certificate; without it the system CAs verify. */
  fingerprint?: string | undefined;
  log: Logger;
  timeoutMs?: number;
  /** Attempts for calls that are safe to repeat. */
  attempts?: number;
  /** Interval between task status polls. */
  pollMs?: number;
}

type Params = Record<string, string | number | boolean | undefined>;

export interface PveNode {
  node: string;
  status: string;
  cpu?: number;
  maxcpu?: number;
  mem?: number;
  maxmem?: number;
  ssl_fingerprint?: string;
}

export interface PveVmStatus {
  vmid: number;
  status: 'running' | 'stopped';
  name?: string;
  lock?: string;
  template?: number;
  tags?: string;
  qmpstatus?: string;
  maxmem?: number;
  cpus?: number;
  uptime?: number;
}

export interface PveClusterVm {
  id: string;
  vmid: number;
  node: string;
  status: string;
  name?: string;
  template?: number;
  lock?: string;
  tags?: string;
  maxmem?: number;
  maxcpu?: number;
  maxdisk?: number;
}

export interface PveTaskStatus {
  upid: string;
  node: string;
  status: 'running' | 'stopped';
  exitstatus?: string;
  type: string;
  id: string;
}

export interface PveTaskResult {
  upid: string;
  exitstatus: string;
  ok: boolean;
}

export interface AgentInterface {
  name: string;
  'hardware-address'?: string;
  'ip-addresses'?: { 'ip-address': string; 'ip-address-type': 'ipv4' | 'ipv6'; prefix: number }[];
}

const toInt = (v: unknown): number => (typeof v === 'number' ? v : Number.parseInt(String(v), 10));

/** Form encoding as PVE wants it: booleans as 1/0, undefined dropped. */
export function encodeParams(params: Params): string {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    body.append(key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
  }
  return body.toString();
}

/** `sshkeys` is PVE's `urlencoded` format: newline-joined keys through encodeURIComponent, then form-encoded again. */
export function encodeSshKeys(keys: readonly string[]): string {
  return encodeURIComponent(keys.join('\n'));
}

export function pinnedAgent(fingerprint: string): https.Agent {
  const expected = fingerprint.toUpperCase();
  const agent = new https.Agent({ keepAlive: true, maxSockets: 16 });
  // The certificate is checked before the socket is handed to the request, so nothing (not even the
  // token header) is sent to a server whose certificate does not match the pin.
  agent.createConnection = ((
    options: tls.ConnectionOptions,
    done: (err: Error | null, socket?: tls.TLSSocket) => void,
  ) => {
    const socket = tls.connect({ ...options, rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      const actual = socket.getPeerCertificate().fingerprint256?.toUpperCase();
      if (actual !== expected) {
        const err = new Error(
          `PVE certificate fingerprint ${actual ?? 'missing'} does not match PVE_FINGERPRINT`,
        );
        socket.destroy(err);
        done(err);
        return;
      }
      done(null, socket);
    });
    socket.once('error', (err) => done(err));
    return undefined;
  }) as unknown as https.Agent['createConnection'];
  return agent;
}

interface RequestOptions {
  /** Repeat on transient failures. True for reads; for writes only where PVE refused before acting. */
  retry?: boolean;
  timeoutMs?: number;
}

export class PveClient {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly auth: string;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  readonly pollMs: number;

  constructor(private readonly options: PveClientOptions) {
    this.url = new URL(options.baseUrl);
    this.auth = `PVEAPIToken=${options.tokenId}=${options.tokenSecret}`;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.attempts = options.attempts ?? 4;
    this.pollMs = options.pollMs ?? 1000;
    this.agent =
      this.url.protocol === 'https:'
        ? options.fingerprint
          ? pinnedAgent(options.fingerprint)
          : new https.Agent({ keepAlive: true, maxSockets: 16 })
        : new http.Agent({ keepAlive: true, maxSockets: 16 });
  }

  close(): void {
    this.agent.destroy();
  }

  // -- transport ----------------------------------------------------------------------------------

  async request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    params: Params = {},
    opts: RequestOptions = {},
  ): Promise<T> {
    const idempotent = opts.retry ?? method === 'GET';
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once<T>(method, path, params, opts.timeoutMs ?? this.timeoutMs);
      } catch (err) {
        if (attempt + 1 >= this.attempts || !isRepeatableCall(err, idempotent)) throw err;
        const wait = callBackoffMs(attempt);
        this.options.log.warn(
          { method, path, attempt: attempt + 1, waitMs: Math.round(wait), err: err.message },
          'PVE call failed; retrying',
        );
        await sleep(wait);
      }
    }
  }

  private once<T>(method: string, path: string, params: Params, timeoutMs: number): Promise<T> {
    const started = performance.now();
    const encoded = encodeParams(params);
    const hasBody = method === 'POST' || method === 'PUT';
    const target = new URL(`${this.url.pathname.replace(/\/$/, '')}/api2/json${path}`, this.url);
    if (!hasBody && encoded) target.search = encoded;
    const transport = target.protocol === 'https:' ? https : http;
    const log = this.options.log;

    return new Promise<T>((resolve, reject) => {
      const req = transport.request(
        target,
        {
          method,
          agent: this.agent,
          timeout: timeoutMs,
          headers: {
            Authorization: this.auth,
            Accept: 'application/json',
            ...(hasBody
              ? {
                  'Content-Type': 'application/x-www-form-urlencoded',
                  'Content-Length': Buffer.byteLength(encoded),
                }
              : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => reject(networkError(err, method, path)));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            let body: { data?: unknown; message?: string; errors?: Record<string, string> } = {};
            try {
              body = text ? (JSON.parse(text) as typeof body) : {};
            } catch {
              // PVE answers some proxy errors without a JSON body; the reason phrase still says what failed.
            }
            const durationMs = Math.round(performance.now() - started);
            const upid =
              typeof body.data === 'string' && body.data.startsWith('UPID:') ? body.data : undefined;
            if (status >= 200 && status < 300) {
              log[method === 'GET' ? 'debug' : 'info'](
                { pve: { method, path, status, durationMs, upid } },
                'PVE call',
              );
              resolve(body.data as T);
              return;
            }
            const reason = (res.statusMessage ?? '').trim();
            const message =
              reason && reason !== http.STATUS_CODES[status]
                ? reason
                : (body.message ?? reason).trim().split('\n')[0]!;
            const errors = body.errors ?? {};
            const detail = Object.keys(errors).length
              ? `${message} ${Object.entries(errors)
                  .map(([k, v]) => `${k}: ${v}`)
                  .join('; ')}`
              : message;
            log.info({ pve: { method, path, status, durationMs, error: detail } }, 'PVE call failed');
            reject(
              new PveError(
                status,
                detail || `HTTP ${status}`,
                classifyPveError(status, detail, errors),
                errors,
                method,
                path,
              ),
            );
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (err) => reject(networkError(err, method, path)));
      if (hasBody) req.write(encoded);
      req.end();
    });
  }

  // -- cluster and nodes --------------------------------------------------------------------------

  version(): Promise<{ version: string; release: string }> {
    return this.request('GET', '/version');
  }

  nodes(opts: RequestOptions = {}): Promise<PveNode[]> {
    return this.request('GET', '/nodes', {}, opts);
  }

  async clusterVms(): Promise<PveClusterVm[]> {
    const rows = await this.request<PveClusterVm[]>('GET', '/cluster/resources', { type: 'vm' });
    return rows.map((r) => ({ ...r, vmid: toInt(r.vmid) }));
  }

  /** `vmid` free (returned) or taken (PveError already_exists). PVE sends the id as a string. */
  async nextId(vmid?: number): Promise<number> {
    return toInt(await this.request<string | number>('GET', '/cluster/nextid', { vmid }));
  }

  // -- VMs ----------------------------------------------------------------------------------------

  cloneVm(
    node: string,
    vmid: number,
    params: {
      newid: number;
      name?: string;
      target?: string;
      storage?: string;
      full?: boolean;
      description?: string;
    },
  ): Promise<string> {
    // A clone is never repeated blindly: a retry after an ambiguous failure could make a second VM.
    return this.request('POST', `/nodes/${node}/qemu/${vmid}/clone`, params, { retry: false });
  }

  async vmConfig(node: string, vmid: number): Promise<Record<string, string | number>> {
    return this.request('GET', `/nodes/${node}/qemu/${vmid}/config`);
  }

  /** Synchronous config update (PUT). Setting the same values twice is harmless, so it retries. */
  async updateVmConfig(node: string, vmid: number, params: Params): Promise<void> {
    await this.request('PUT', `/nodes/${node}/qemu/${vmid}/config`, params, { retry: true });
  }

  /** Returns the task's UPID, or null from PVE before 8.0 where resize was synchronous. */
  resizeDisk(node: string, vmid: number, disk: string, size: string): Promise<string | null> {
    return this.request('PUT', `/nodes/${node}/qemu/${vmid}/resize`, { disk, size }, { retry: false });
  }

  async vmStatus(node: string, vmid: number): Promise<PveVmStatus> {
    const status = await this.request<PveVmStatus>('GET', `/nodes/${node}/qemu/${vmid}/status/current`);
    return { ...status, vmid: toInt(status.vmid) };
  }

  startVm(node: string, vmid: number): Promise<string> {
    return this.request('POST', `/nodes/${node}/qemu/${vmid}/status/start`, {}, { retry: false });
  }

  stopVm(node: string, vmid: number): Promise<string> {
    return this.request('POST', `/nodes/${node}/qemu/${vmid}/status/stop`, {}, { retry: false });
  }

  shutdownVm(
    node: string,
    vmid: number,
    params: { timeout?: number; forceStop?: boolean } = {},
  ): Promise<string> {
    return this.request('POST', `/nodes/${node}/qemu/${vmid}/status/shutdown`, params, { retry: false });
  }

  rebootVm(node: string, vmid: number): Promise<string> {
    return this.request('POST', `/nodes/${node}/qemu/${vmid}/status/reboot`, {}, { retry: false });
  }

  deleteVm(node: string, vmid: number): Promise<string> {
    return this.request(
      'DELETE',
      `/nodes/${node}/qemu/${vmid}`,
      { purge: true, 'destroy-unreferenced-disks': true },
      { retry: false },
    );
  }

  async agentInterfaces(node: string, vmid: number): Promise<AgentInterface[]> {
    const data = await this.request<{ result: AgentInterface[] }>(
      'GET',
      `/nodes/${node}/qemu/${vmid}/agent/network-get-interfaces`,
      {},
      { retry: false },
    );
    return data.result;
  }

  // -- tasks --------------------------------------------------------------------------------------

  taskStatus(node: string, upid: string): Promise<PveTaskStatus> {
    return this.request('GET', `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`);
  }

  async taskLog(node: string, upid: string, limit = 50): Promise<string[]> {
    const lines = await this.request<{ n: number; t: string }[]>(
      'GET',
      `/nodes/${node}/tasks/${encodeURIComponent(upid)}/log`,
      {
        start: 0,
        limit,
      },
    );
    return lines.map((l) => l.t);
  }

  /**
   * Polls a task until it stops or `timeoutMs` passes. `WARNINGS: N` is success. A failed task's
   * result carries its exit status (PVE's error text).
   */
  async waitForTask(upid: string, timeoutMs: number): Promise<PveTaskResult> {
    const parsed = parseUpid(upid);
    if (!parsed) throw new PveError(0, `not a PVE task id: ${upid}`, 'permanent');
    const result = await pollUntil(
      async () => {
        try {
          const status = await this.taskStatus(parsed.node, upid);
          if (status.status !== 'stopped') return undefined;
          const exitstatus = status.exitstatus ?? 'unexpected status';
          return { upid, exitstatus, ok: isTaskSuccess(exitstatus) };
        } catch (err) {
          // Right after dispatch a task can briefly be unknown ("no such task"); keep polling.
          if (err instanceof PveError && (err.kind === 'not_found' || err.kind === 'transient'))
            return undefined;
          throw err;
        }
      },
      // A task just dispatched is still running: the first look comes one interval later.
      { timeoutMs, intervalMs: this.pollMs, pauseFirst: true },
    );
    if (result) return result;
    const limit = timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`;
    throw new PveError(
      0,
      `the PVE task ${parsed.type} (${upid}) did not finish within ${limit}`,
      'transient',
    );
  }
}

function networkError(err: Error, method: string, path: string): PveError {
  const code = (err as NodeJS.ErrnoException).code;
  // A refused connection never reached PVE, so even a write may be repeated.
  const kind = /fingerprint/.test(err.message) ? 'permanent' : 'transient';
  return new PveError(
    0,
    `${code === 'ECONNREFUSED' ? 'connection refused' : err.message}`,
    kind,
    {},
    method,
    path,
  );
}
