import { describe, expect, it } from 'vitest';
import { customerReason, removalNote, type RemovalOutcome } from './apply-removals.ts';

describe('customerReason (what the customer reads on the suspended server)', () => {
  it.each([
    [{ reason: 'service-ended', whmcsStatus: 'Cancelled' }, 'the service is cancelled in billing'],
    [{ reason: 'service-ended', whmcsStatus: 'Terminated' }, 'the service is terminated in billing'],
    [{ reason: 'service-ended', whmcsStatus: null }, 'the service is ended in billing'],
    [{ reason: 'client-closed', whmcsStatus: 'Active' }, 'the account is closed in billing'],
    [{ reason: 'deleted-in-whmcs', whmcsStatus: null }, 'the service no longer exists in billing'],
    [
      { reason: 'not-proxmox', whmcsStatus: 'Active' },
      'the service is no longer active in billing (not-proxmox)',
    ],
  ])('%o → %s', (removal, text) => {
    expect(customerReason(removal)).toBe(text);
  });
});

describe('removalNote (the report line)', () => {
  const ended = { action: 'terminate' as const, serverId: 'srv-1', vmid: 104, whmcsStatus: 'Terminated' };
  const closed = { action: 'suspend' as const, serverId: 'srv-2', vmid: 105, whmcsStatus: 'Active' };

  it('an ended service is suspended, not terminated, and the line names the call that terminates it', () => {
    expect(removalNote(ended, 'suspended')).toBe(
      'suspended, not terminated: Terminated in WHMCS; VM 104 is kept. ' +
        'DELETE /api/admin/servers/srv-1 terminates it and deletes VM 104',
    );
    expect(removalNote({ ...ended, vmid: null }, 'would-suspend')).toMatch(
      /^would be suspended, not terminated: .* its VM is kept\. .* deletes its VM$/,
    );
  });

  it.each<[RemovalOutcome, string]>([
    ['suspended', 'suspended; unsuspend it in Keel if it comes back'],
    ['would-suspend', 'would be suspended; unsuspend it in Keel if it comes back'],
    ['already-suspended', 'already suspended; unsuspend it in Keel if it comes back'],
  ])('anything else: %s', (outcome, note) => {
    expect(removalNote(closed, outcome)).toBe(note);
  });

  it("a refusal carries Keel's reason", () => {
    expect(removalNote(closed, 'not-suspended', 'This server is still being provisioned.')).toBe(
      'left as it is: This server is still being provisioned.',
    );
  });
});
