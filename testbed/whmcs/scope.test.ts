/**
 * The manifest's scope rule (issue 6): only Active clients migrate; Inactive and Closed accounts are skipped
 * with all their services, and the PVE state holds VMs only for the services that migrate.
 */
import { describe, expect, it } from 'vitest';
import { generateWhmcs, type RowSink } from './generate.ts';

const discard: RowSink = { add: () => {}, wantsFlush: false };

describe('manifest scope', () => {
  it('migrates Active clients only; Inactive → client-inactive, Closed → client-closed', async () => {
    const { manifest, pveState } = await generateWhmcs({ seed: 3, scale: 400 }, discard);
    const statusOf = new Map(manifest.clients.map((c) => [c.id, c.expected.status]));
    const byStatus = (s: string) => manifest.clients.filter((c) => c.expected.status === s);
    expect(byStatus('Inactive').length).toBeGreaterThan(5);
    expect(byStatus('Closed').length).toBeGreaterThan(5);
    for (const c of manifest.clients) {
      const want =
        c.expected.status === 'Active'
          ? { outcome: 'migrate', skipReason: undefined }
          : {
              outcome: 'skip',
              skipReason: c.expected.status === 'Closed' ? 'client-closed' : 'client-inactive',
            };
      expect({ outcome: c.outcome, skipReason: c.skipReason }, `client ${c.id}`).toEqual(want);
    }
    // Live Proxmox services of Inactive clients exist in the data and are skipped for their account alone.
    const inactiveLive = manifest.services.filter(
      (s) =>
        statusOf.get(s.clientId) === 'Inactive' &&
        ['Active', 'Suspended'].includes(s.whmcsStatus) &&
        s.skipReason === 'client-inactive',
    );
    expect(inactiveLive.length).toBeGreaterThan(0);
    for (const s of manifest.services) {
      if (statusOf.get(s.clientId) !== 'Active') expect(s.outcome, `service ${s.id}`).toBe('skip');
    }
    const migrating = manifest.services.filter((s) => s.outcome === 'migrate');
    expect(pveState.vms.map((v) => v.vmid).sort()).toEqual(migrating.map((s) => s.expected!.vmid).sort());
    expect(manifest.counts.clientsToMigrate).toBe(byStatus('Active').length);
  });
});
