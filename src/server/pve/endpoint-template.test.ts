import { describe, expect, it } from 'vitest';
import { pveEndpointTemplate } from './endpoint-template.ts';

describe('pveEndpointTemplate', () => {
  it.each([
    ['/version', '/version'],
    ['/nodes', '/nodes'],
    ['/cluster/resources', '/cluster/resources'],
    ['/cluster/nextid', '/cluster/nextid'],
    ['/nodes/pve1/storage', '/nodes/{node}/storage'],
    ['/nodes/pve-2/qemu/104/status/current', '/nodes/{node}/qemu/{vmid}/status/current'],
    ['/nodes/pve1/qemu/9000/clone', '/nodes/{node}/qemu/{vmid}/clone'],
    ['/nodes/pve1/qemu/104', '/nodes/{node}/qemu/{vmid}'],
    [
      '/nodes/pve1/qemu/104/agent/network-get-interfaces',
      '/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces',
    ],
    ['/nodes/pve1/qemu/104/snapshot', '/nodes/{node}/qemu/{vmid}/snapshot'],
    ['/nodes/pve1/qemu/104/snapshot/before-upgrade', '/nodes/{node}/qemu/{vmid}/snapshot/{snapname}'],
    [
      '/nodes/pve1/qemu/104/snapshot/nightly/rollback',
      '/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback',
    ],
    [
      `/nodes/pve1/tasks/${encodeURIComponent('UPID:pve1:0000A1B2:00C0FFEE:6560F00D:qmclone:104:root@pam!keel:')}/status`,
      '/nodes/{node}/tasks/{upid}/status',
    ],
    ['/nodes/pve1/tasks', '/nodes/{node}/tasks'],
  ])('%s → %s', (path, template) => {
    expect(pveEndpointTemplate(path)).toBe(template);
  });

  it('names a value it does not expect instead of copying it into the label', () => {
    expect(pveEndpointTemplate('/cluster/Some Name%20x')).toBe('/cluster/{value}');
    expect(pveEndpointTemplate('/nodes/pve1/qemu/104/config?x=1')).toBe('/nodes/{node}/qemu/{vmid}/config');
  });

  it('keeps the series bounded: every VM of every node gives one template', () => {
    const templates = new Set<string>();
    for (let node = 0; node < 20; node++)
      for (let vmid = 100; vmid < 200; vmid++)
        templates.add(pveEndpointTemplate(`/nodes/node${node}/qemu/${vmid}/status/current`));
    expect([...templates]).toEqual(['/nodes/{node}/qemu/{vmid}/status/current']);
  });
});
