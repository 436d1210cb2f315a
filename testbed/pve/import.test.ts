// The seeder's pve-state.json imported into the simulator: the VMs show in the API with their specs and power
// state, and behave like any other VM.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seedCluster } from './cluster.ts';
import type { PveState, PveStateVm } from '../whmcs/manifest.ts';
import { importVms } from './import.ts';
import { startPveSim } from './index.ts';
import { pveClient } from './test-client.ts';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe('importVms', () => {
  it.each([
    ['an unknown node', { node: 'pve9' }, /node pve9/],
    ['a taken VMID', { vmid: 9000 }, /VMID 9000 already exists/],
  ] as const)('refuses %s', (_n, patch, error) => {
    const vm: PveStateVm = {
      vmid: 500,
      node: 'pve1',
      name: 'a',
      cores: 1,
      memoryMb: 512,
      diskGb: 10,
      status: 'running',
    };
    expect(() => importVms(seedCluster(2), [{ ...vm, ...patch }])).toThrow(error);
  });

  it('serves the seeder’s VMs through /cluster/resources and the VM endpoints', async () => {
    const { vms } = JSON.parse(
      readFileSync(new URL('../whmcs/docker-init/pve-state.json', import.meta.url), 'utf8'),
    ) as PveState;
    expect(vms.length).toBeGreaterThan(100);
    const sim = await startPveSim({ port: 0, speed: 100, vms });
    try {
      const pve = pveClient(sim);
      const resources = (await pve.get('/cluster/resources', { type: 'vm' })).body.data as {
        vmid: number;
        node: string;
        status: string;
        maxcpu: number;
        maxmem: number;
        maxdisk: number;
        name: string;
      }[];
      const byVmid = new Map(resources.map((r) => [Number(r.vmid), r]));
      for (const vm of vms) {
        expect(byVmid.get(vm.vmid), `VM ${vm.vmid}`).toMatchObject({
          node: vm.node,
          name: vm.name,
          status: vm.status,
          maxcpu: vm.cores,
          maxmem: vm.memoryMb * MiB,
          maxdisk: vm.diskGb * GiB,
        });
      }
    } finally {
      await sim.stop();
    }
    // Behaves like a native VM (on a cluster whose memory it fits: the full state overcommits the nodes, and
    // the simulator refuses to start a VM on a node without memory, as PVE does).
    const running = vms.find((v) => v.status === 'running' && v.ipAddress)!;
    const stopped = vms.find((v) => v.status === 'stopped')!;
    const small = await startPveSim({ port: 0, speed: 100, vms: [running, stopped] });
    try {
      const pve = pveClient(small);
      const ifaces = await pve.get(
        `/nodes/${running.node}/qemu/${running.vmid}/agent/network-get-interfaces`,
      );
      expect(JSON.stringify(ifaces.body.data)).toContain(running.ipAddress!);
      const stop = await pve.runTask('POST', `/nodes/${running.node}/qemu/${running.vmid}/status/stop`);
      const start = await pve.runTask('POST', `/nodes/${stopped.node}/qemu/${stopped.vmid}/status/start`);
      expect([stop.exitstatus, start.exitstatus]).toEqual(['OK', 'OK']);
      expect(small.sim.vm(running.vmid)?.status).toBe('stopped');
      expect(small.sim.vm(stopped.vmid)?.status).toBe('running');
    } finally {
      await small.stop();
    }
  });
});
