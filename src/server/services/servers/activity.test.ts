import { describe, expect, it } from 'vitest';
import { customerMessage, scrubPveDetails } from './activity.ts';

const known = { nodes: ['pve1', 'pve2', 'pve-lab.example'], vmids: [105, 9000, 9001] };
/** What a customer reads for a VMID Keel chose that PVE had taken, whatever PVE said. */
const vmidTaken = 'The VM id Keel chose was taken on Proxmox VE; choosing another';

describe('customerMessage', () => {
  it.each([
    ['server.status', 'Running on pve1 as VM 105 with 10.0.0.5', 'Running with 10.0.0.5'],
    ['server.status', 'Now stopped', 'Now stopped'],
    ['pve.task', 'clone 9000 → 105: OK', 'Copying the image: OK'],
    ['pve.task', 'resize scsi0 to 25G: OK', 'Sizing the disk: OK'],
    ['pve.task', 'shutdown (ACPI, 60 s): got timeout', 'Shutdown: got timeout'],
    [
      'pve.task',
      "start: can't lock file '/var/lock/qemu-server/lock-105.conf' - got timeout",
      "Start: can't lock file '/var/lock/qemu-server/lock-….conf' - got timeout",
    ],
    ['pve.task', 'migrate 105 to pve2: OK', 'Proxmox VE task: OK'],
    ['provision.vmid_taken', 'VMID 105 is taken on Proxmox VE (exists); choosing another', vmidTaken],
    [
      'reinstall.vmid_taken',
      "VMID 105 is taken on Proxmox VE (can't lock file '/var/lock/qemu-server/lock-105.conf' - got timeout); choosing another",
      vmidTaken,
    ],
    ['provision.cleaned_up', 'Deleted the half-made VM 105 on pve1', 'Deleted the half-made VM'],
    ['terminate.vm_missing', 'VM 105 was already gone from pve2', 'The VM was already gone'],
    [
      'server.status',
      'error: The template VM 9001 of Debian 12 does not exist on Proxmox VE.',
      'error: The template VM of Debian 12 does not exist on Proxmox VE.',
    ],
    [
      'server.status',
      'error: No room in Lab: pve-lab.example is full',
      'error: No room in Lab: a node is full',
    ],
    ['server.create', 'Server web1 ordered (VPS S, 10.0.0.5)', 'Server web1 ordered (VPS S, 10.0.0.5)'],
    ['provision.configured', 'Configured 2 vCPU, 2048 MB, 10.0.0.5', 'Configured 2 vCPU, 2048 MB, 10.0.0.5'],
  ])('%s "%s" → "%s"', (kind, message, expected) => {
    expect(customerMessage({ kind, message }, known)).toBe(expected);
  });
});

describe('scrubPveDetails', () => {
  it('leaves words that merely contain a node name, and numbers below 100', () => {
    expect(scrubPveDetails('pve10 and xpve1 have 99 disks', { nodes: ['pve1'], vmids: [99] })).toBe(
      'pve10 and xpve1 have 99 disks',
    );
  });

  it('removes every known id and node, wherever it appears', () => {
    const out = scrubPveDetails('UPID:pve2:00001:qmstart:9000:root@pam: on pve2, 9000', known);
    expect(out).not.toMatch(/pve2|9000/);
  });
});
