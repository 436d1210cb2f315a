// State survives a restart with --state; HTTPS with a reusable certificate and pinnable fingerprint.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startPveSim } from './index.ts';
import { pveClient } from './test-client.ts';

const dir = mkdtempSync(join(tmpdir(), 'pve-sim-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('persistence', () => {
  it('a restarted simulator keeps its VMs, credentials and certificate', async () => {
    const statePath = join(dir, 'state.json');
    const first = await startPveSim({ port: 0, speed: 100, statePath });
    let hungUpid: string;
    try {
      expect(first.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(first.tokenId).toBe('root@pam!keel');
      expect(first.tokenSecret).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(first.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      const pve = pveClient(first);
      const version = await pve.get('/version');
      expect(version.status).toBe(200);
      // The served certificate is the one whose fingerprint was reported: a client can pin it.
      expect(version.peerFingerprint).toBe(first.fingerprint);
      await pve.runTask('POST', '/nodes/pve1/qemu/9001/clone', { newid: 700, name: 'keeper' });
      await pve.runTask('POST', '/nodes/pve1/qemu/700/status/start');
      first.sim.setFaults({ taskHang: { rate: 1, types: ['qmclone'] } });
      hungUpid = String((await pve.post('/nodes/pve1/qemu/9001/clone', { newid: 701 })).body.data);
      // The worker writes the locked temporary config a moment after the UPID (Qemu.pm clone_vm).
      while (first.sim.vm(701)?.config.lock !== 'clone') await new Promise((r) => setTimeout(r, 5));
    } finally {
      await first.stop();
    }

    const second = await startPveSim({ port: 0, speed: 100, statePath });
    try {
      expect([second.tokenSecret, second.fingerprint, second.password]).toEqual([
        first.tokenSecret,
        first.fingerprint,
        first.password,
      ]);
      const pve = pveClient(second);
      const status = await pve.get('/nodes/pve1/qemu/700/status/current');
      expect(status.body.data).toMatchObject({ name: 'keeper', status: 'running' });
      // A worker killed with the simulator ends as PVE shows a dead worker; its lock stays.
      const task = await pve.get(`/nodes/pve1/tasks/${encodeURIComponent(hungUpid)}/status`);
      expect(task.body.data).toMatchObject({ status: 'stopped', exitstatus: 'unexpected status' });
      expect(second.sim.vm(701)?.config.lock).toBe('clone');
      expect(second.sim.faults().taskHang).toBeNull();
    } finally {
      await second.stop();
    }
  });

  it('plain HTTP has no fingerprint; 401s close the connection', async () => {
    const sim = await startPveSim({ port: 0, http: true, speed: 100, nodes: 3 });
    try {
      expect(sim.fingerprint).toBeNull();
      expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const nodes = (await pveClient(sim).get('/nodes')).body.data as { node: string }[];
      expect(nodes.map((n) => n.node)).toEqual(['pve1', 'pve2', 'pve3']);
      // Per-node local templates under distinct VMIDs.
      expect(sim.sim.vm(9201)?.node).toBe('pve3');
    } finally {
      await sim.stop();
    }
  });
});
