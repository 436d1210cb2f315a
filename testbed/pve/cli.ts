// `pnpm testbed:pve [--port 8006] [--nodes 2] [--state FILE] [--speed N] [--http] [--host H] [--cert-dir D]
//  [--vms FILE]` (--vms: existing VMs to start with, a JSON array of the WHMCS seeder's PveStateVm)
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startPveSim } from './index.ts';
import type { PveStateVm } from '../whmcs/manifest.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8006' },
    host: { type: 'string', default: '127.0.0.1' },
    nodes: { type: 'string', default: '2' },
    state: { type: 'string' },
    speed: { type: 'string', default: '1' },
    http: { type: 'boolean', default: false },
    'cert-dir': { type: 'string' },
    vms: { type: 'string' },
  },
  strict: true,
});

function positiveNumber(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`--${name} must be a non-negative number, got '${text}'`);
  return value;
}

const logger = pino({ name: 'pve-sim' });
const sim = await startPveSim({
  port: positiveNumber('port', values.port),
  host: values.host,
  nodes: positiveNumber('nodes', values.nodes),
  speed: positiveNumber('speed', values.speed) || 1,
  http: values.http,
  logger,
  ...(values.state ? { statePath: values.state } : {}),
  ...(values['cert-dir'] ? { certDir: values['cert-dir'] } : {}),
  ...(values.vms ? { vms: JSON.parse(readFileSync(values.vms, 'utf8')) as PveStateVm[] } : {}),
});

const lines = [
  `Proxmox VE simulator listening on ${sim.url}`,
  `  API base:        ${sim.url}/api2/json`,
  `  PVE_URL=${sim.url}`,
  `  PVE_TOKEN_ID=${sim.tokenId}`,
  `  PVE_TOKEN_SECRET=${sim.tokenSecret}`,
  `  fingerprint:     ${sim.fingerprint ?? '(plain HTTP)'}`,
  `  password login:  ${sim.username} / ${sim.password}`,
  `  /_sim/ admin:    X-Sim-Admin: ${sim.adminSecret}`,
  `  try: curl -k -H 'Authorization: PVEAPIToken=${sim.tokenId}=${sim.tokenSecret}' ${sim.url}/api2/json/nodes`,
];
process.stdout.write(`${lines.join('\n')}\n`);

let stopping = false;
const shutdown = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping pve simulator');
  sim.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ err }, 'pve simulator did not stop cleanly');
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
