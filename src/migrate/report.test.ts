import { describe, expect, it } from 'vitest';
import { formatSummary, verdict } from './report.ts';
import { Tally } from './tally.ts';

const fresh = () => new Tally({ dryRun: false, whmcsVersion: '8.4.0', keepRecords: false, verifyPve: false });

describe('verdict (the exit code)', () => {
  it('0 when everything migrated or was skipped with a reason', () => {
    const t = fresh();
    t.count('servers', 'created');
    t.skip('servers', 'service-ended');
    expect(verdict(t.finish())).toEqual({ code: 0, lost: [], warnings: [] });
  });

  it('1 when an account, user or server failed, or the reconciliation mismatched', () => {
    const t = fresh();
    t.serviceFailed(3);
    t.count('users', 'failed');
    const r = t.finish();
    r.reconciliation = {
      ok: false,
      expectedServers: 1,
      targetServers: 2,
      expectedUsers: 1,
      targetUsers: 1,
      expectedAccounts: 1,
      targetAccounts: 1,
      fields: {},
      mismatches: ['servers: 1 migrated, 2 in the target'],
    };
    expect(verdict(r)).toEqual({
      code: 1,
      lost: [
        '1 users failed',
        '1 servers failed',
        'reconciliation mismatch: servers: 1 migrated, 2 in the target',
      ],
      warnings: [],
    });
  });

  it('an unresolved plan is a warning while its services all migrated, a loss when one failed', () => {
    const plan = {
      productId: 11,
      slug: 'whmcs-11-custom',
      missing: ['memoryMb'],
      reasons: ['no default memory'],
      servicesFailed: 0,
    };
    const ok = fresh();
    ok.result.unresolvedPlans.push(plan);
    const v = verdict(ok.finish());
    expect(v.code).toBe(0);
    expect(v.warnings[0]).toContain('plan whmcs-11-custom (product 11) is closed with memoryMb unknown (0)');
    const bad = fresh();
    bad.result.unresolvedPlans.push({ ...plan, servicesFailed: 2 });
    expect(verdict(bad.finish()).code).toBe(1);
  });

  it('what left the scope is a warning, and the summary says which is which', () => {
    const t = fresh();
    t.result.removals.servers.push({
      serviceId: 7,
      serverId: 'x',
      name: 'a',
      vmid: 107,
      clientId: 1,
      whmcsStatus: 'Cancelled',
      reason: 'service-ended',
      action: 'terminate',
    });
    const r = t.finish();
    expect(verdict(r).code).toBe(0);
    const text = formatSummary(r);
    expect(text).toContain('servers, service-ended → terminate (1): 7 Cancelled');
    expect(text).toContain('Result: OK (exit 0)');
    expect(text).toContain('WARNING (nothing lost): 1 servers migrated earlier are out of scope now');
    expect(text).toContain('--apply-removals suspends the servers');
  });

  it('lists each applied removal; one Keel could not suspend is a warning', () => {
    const t = fresh();
    const r = t.finish();
    r.appliedRemovals = [
      {
        serviceId: 7,
        serverId: 'srv-7',
        name: 'web7',
        vmid: 107,
        whmcsStatus: 'Cancelled',
        reason: 'service-ended',
        action: 'terminate',
        outcome: 'suspended',
        note: 'suspended, not terminated',
      },
      {
        serviceId: 8,
        serverId: 'srv-8',
        name: 'web8',
        vmid: null,
        whmcsStatus: null,
        reason: 'deleted-in-whmcs',
        action: 'suspend',
        outcome: 'not-suspended',
        note: 'left as it is: still provisioning',
      },
    ];
    const v = verdict(r);
    expect(v.code).toBe(0);
    expect(v.warnings).toEqual([
      '1 servers out of scope could not be suspended now (see "removals applied"); a rerun tries again',
    ]);
    const text = formatSummary(r);
    expect(text).toContain('  removals applied:\n');
    expect(text).toContain(
      '    service 7 → server srv-7 web7: suspended (service-ended, Cancelled): suspended, not terminated',
    );
    expect(text).toContain(
      '    service 8 → server srv-8 web8: not-suspended (deleted-in-whmcs): left as it is: still provisioning',
    );
  });
});
