/**
 * Connects Keel to Proxmox VE: the cluster in PVE_URL, or, without one, the built-in simulator
 * started in this process (its state and certificate kept under DATA_DIR so VMs survive restarts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PveState } from '../../../testbed/whmcs/manifest.ts';
import type { Logger } from 'pino';
import type { Settings } from '../config.ts';
import { PveClient } from './client.ts';

export interface PveConnection {
  client: PveClient;
  simulated: boolean;
  close(): Promise<void>;
}

export async function connectPve(config: Settings, log: Logger): Promise<PveConnection> {
  const pveLog = log.child({ component: 'pve' });
  if (config.PVE_URL) {
    const client = new PveClient({
      baseUrl: config.PVE_URL,
      tokenId: config.PVE_TOKEN_ID!,
      tokenSecret: config.PVE_TOKEN_SECRET!,
      fingerprint: config.PVE_FINGERPRINT,
      log: pveLog,
      pollMs: config.PVE_POLL_MS,
    });
    log.info({ pveUrl: config.PVE_URL, pinned: Boolean(config.PVE_FINGERPRINT) }, 'using Proxmox VE');
    return { client, simulated: false, close: () => Promise.resolve(client.close()) };
  }
  const { startPveSim } = await import('../../../testbed/pve/index.ts');
  const dir = join(config.dataDir, 'pve-sim');
  const vms = config.PVE_SIM_VMS
    ? (JSON.parse(readFileSync(config.PVE_SIM_VMS, 'utf8')) as PveState).vms
    : undefined;
  const sim = await startPveSim({
    ...(vms ? { vms } : {}),
    port: 0,
    speed: config.PVE_SIM_SPEED,
    statePath: join(dir, 'state.json'),
    certDir: dir,
    logger: log.child({ component: 'pve-sim' }),
  });
  log.warn(
    { pveUrl: sim.url, speed: config.PVE_SIM_SPEED },
    'PVE_URL is not set: using the built-in Proxmox VE simulator (set PVE_URL, PVE_TOKEN_ID and PVE_TOKEN_SECRET for a real cluster)',
  );
  const client = new PveClient({
    baseUrl: sim.url,
    tokenId: sim.tokenId,
    tokenSecret: sim.tokenSecret,
    fingerprint: sim.fingerprint ?? undefined,
    log: pveLog,
    pollMs: Math.max(20, Math.round(1000 / config.PVE_SIM_SPEED)),
  });
  return {
    client,
    simulated: true,
    close: async () => {
      client.close();
      await sim.stop();
    },
  };
}
