import { describe, expect, it } from 'vitest';
import { corrections, isConfirmed, suspendedRunning } from './reconcile.ts';

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

describe('confirmation against the VM’s own status', () => {
  const toStopped = { serverId: 'a', from: 'running' as const, to: 'stopped' as const, reason: null };
  const gone = { serverId: 'b', from: 'running' as const, to: 'error' as const, reason: 'x' };

  it('acts only when status/current says what the sample said', () => {
    expect(isConfirmed(toStopped, 'stopped')).toBe(true);
    // A stale sample: the job already started it again.
    expect(isConfirmed(toStopped, 'running')).toBe(false);
    expect(isConfirmed(gone, 'missing')).toBe(true);
    expect(isConfirmed(gone, 'stopped')).toBe(false);
  });

  it('finds suspended servers whose VM the sample shows running', () => {
    const pve = new Map([
      [201, { status: 'running' }],
      [202, { status: 'stopped' }],
      [203, { status: 'unknown' }],
    ]);
    expect(
      suspendedRunning(
        [
          { id: 'a', vmid: 201 },
          { id: 'b', vmid: 202 },
          { id: 'c', vmid: 203 },
          { id: 'd', vmid: 204 },
        ],
        pve,
      ),
    ).toEqual(['a']);
  });
});
