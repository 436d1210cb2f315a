import { describe, expect, it } from 'vitest';
import { corrections } from './reconcile.ts';

describe('corrections', () => {
  const settled = [
    { id: 'a', status: 'running' as const, vmid: 101 },
    { id: 'b', status: 'stopped' as const, vmid: 102 },
    { id: 'c', status: 'running' as const, vmid: 103 },
    { id: 'd', status: 'running' as const, vmid: 104 },
  ];
  const pve = new Map([
    [101, { status: 'stopped' }], // stopped from inside the guest
    [102, { status: 'running' }], // started outside Keel
    [104, { status: 'unknown' }], // just created, not yet reported
  ]);

  it('corrects drifted statuses, flags vanished VMs and ignores unknown ones', () => {
    expect(corrections(settled, pve)).toEqual([
      { serverId: 'a', from: 'running', to: 'stopped', reason: null },
      { serverId: 'b', from: 'stopped', to: 'running', reason: null },
      { serverId: 'c', from: 'running', to: 'error', reason: 'Its VM no longer exists on Proxmox VE.' },
    ]);
  });

  it('changes nothing when Keel and PVE agree', () => {
    expect(
      corrections([{ id: 'a', status: 'running', vmid: 1 }], new Map([[1, { status: 'running' }]])),
    ).toEqual([]);
  });
});
