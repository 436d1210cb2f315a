import { describe, expect, it } from 'vitest';
import { chooseNode, nodeCandidates, templateFor, type NodeCandidate } from './placement.ts';

const node = (name: string, freeMemoryMb: number, extra: Partial<NodeCandidate> = {}): NodeCandidate => ({
  node: name,
  online: true,
  freeMemoryMb,
  templateVmid: 9000,
  ...extra,
});

describe('chooseNode', () => {
  it('picks the node with the most free memory', () => {
    expect(chooseNode([node('pve1', 8000), node('pve2', 16000)], 2048)).toEqual({
      ok: true,
      node: 'pve2',
      templateVmid: 9000,
    });
  });

  it('skips offline nodes and nodes without the template', () => {
    const placement = chooseNode(
      [
        node('pve1', 64000, { online: false }),
        node('pve2', 32000, { templateVmid: null }),
        node('pve3', 4000, { templateVmid: 9101 }),
      ],
      2048,
    );
    expect(placement).toEqual({ ok: true, node: 'pve3', templateVmid: 9101 });
  });

  it('keeps headroom and says why nothing fits', () => {
    expect(chooseNode([node('pve1', 3000)], 2048)).toEqual({
      ok: false,
      reason: 'no node of this location has 2048 MB of memory free',
    });
    expect(chooseNode([], 1)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('no Proxmox nodes'),
    });
    expect(chooseNode([node('a', 1e6, { online: false })], 1)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('online'),
    });
    expect(chooseNode([node('a', 1e6, { templateVmid: null })], 1)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('template'),
    });
  });

  it('breaks ties by name so placement is deterministic', () => {
    expect(chooseNode([node('pve2', 8000), node('pve1', 8000)], 1024)).toMatchObject({ node: 'pve1' });
  });
});

describe('templateFor', () => {
  it('prefers the node’s own template, then the shared one', () => {
    expect(templateFor({ pve1: 9001, pve2: 9101 }, 'pve2')).toBe(9101);
    expect(templateFor({ '*': 9000 }, 'pve7')).toBe(9000);
    expect(templateFor({ pve1: 9001 }, 'pve2')).toBeNull();
  });
});

describe('nodeCandidates', () => {
  it('reads PVE’s node list, subtracts memory promised to placed servers, and finds each template', () => {
    const gib = 1024 ** 3;
    const reports = [
      { node: 'pve1', status: 'online', mem: 4 * gib, maxmem: 64 * gib },
      { node: 'pve2', status: 'offline', mem: 0, maxmem: 64 * gib },
    ];
    expect(
      nodeCandidates(['pve1', 'pve2', 'pve3'], reports, { pve1: 9001, '*': 9000 }, { pve1: 2048 }),
    ).toEqual([
      { node: 'pve1', online: true, freeMemoryMb: 60 * 1024 - 2048, templateVmid: 9001 },
      { node: 'pve2', online: false, freeMemoryMb: 64 * 1024, templateVmid: 9000 },
      { node: 'pve3', online: false, freeMemoryMb: 0, templateVmid: 9000 },
    ]);
  });
});
