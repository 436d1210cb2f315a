/**
 * The cutover rehearsal on real MariaDB + PostgreSQL: migrate, change WHMCS the way the days before the switch
 * do (a service's options, a service cancelled, one terminated, one newly activated, an account closed, a
 * password changed), rerun: exactly those changes are reported, by category with their ids, and applied; what
 * left the scope is reported, kept in Keel, and the run still exits 0. Also --only-client for a one-account
 * trial, --apply-removals (suspended through Keel, never terminated), and the plain progress and phase lines
 * off a terminal.
 */
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WhmcsManifest } from '../../testbed/whmcs/index.ts';
import type { TestDatabase } from '../../test/helpers/postgres.ts';
import type mysql from 'mysql2/promise';
import { createUser } from '../server/services/users.ts';
import { useMigrationTestbed } from './integration-testbed.ts';
import type { RunResult } from './run.ts';

const bed = useMigrationTestbed({ name: 'keel_cutover', scale: 30, seed: 11 });
const { migrate, migrateJson, rows } = bed;
let manifest: WhmcsManifest;
let target: TestDatabase;
let whmcs: mysql.Connection;
/** The WHMCS services the rerun test takes out of scope, for the --apply-removals test after it. */
let removed: { cancelled: number; terminated: number; closed: number[] } | null = null;

beforeAll(() => {
  ({ manifest, target, whmcs } = bed);
});

describe('cutover', () => {
  it('refuses --apply-removals while Keel has no administrator to act as, before touching anything', async () => {
    const { code, out, err } = await migrate('--apply-removals');
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(
      '--apply-removals suspends servers as an administrator of Keel, and Keel has none yet',
    );
    const [n] = await rows<{ n: number }>(sql`select count(*)::int as n from servers`);
    expect(n!.n).toBe(0);
  });

  it('a one-account trial with --only-client migrates that account alone; --client is the same flag', async () => {
    const client = manifest.clients.find(
      (c) =>
        c.outcome === 'migrate' &&
        manifest.services.filter((s) => s.clientId === c.id && s.outcome === 'migrate').length > 1,
    )!;
    const trial = await migrateJson('--only-client', String(client.id));
    const expected = manifest.services.filter((s) => s.clientId === client.id && s.outcome === 'migrate');
    expect(trial.counts.servers.created).toBe(expected.length);
    expect(trial.counts.accounts.created).toBe(1);
    expect(trial.changes.servers.created.sort((a, b) => a - b)).toEqual(expected.map((s) => s.id));
    expect(trial.reconciliation?.ok).toBe(true);
    const again = await migrateJson('--client', String(client.id));
    expect(again.counts.servers).toMatchObject({ created: 0, updated: 0, unchanged: expected.length });
    expect(again.removals).toEqual({ servers: [], accounts: [] });
  }, 60_000);

  it('prints a plain progress line per phase off a terminal, with counts and time', async () => {
    const { code, out, err } = await migrate();
    expect(code, err).toBe(0);
    for (const phase of ['catalogue', 'accounts', 'services', 'reconcile'])
      expect(err).toMatch(new RegExp(`^migrate: ${phase} done in \\d+\\.\\d s: .+$`, 'm'));
    expect(err).toMatch(/migrate: services done in .* s: \d+ read, servers created \d+/);
    expect(out).toMatch(/^ {2}phase services +\d+\.\d s: \d+ read/m);
    expect(out).toContain('Result: OK (exit 0)');
  }, 60_000);

  it('a rerun after changes in WHMCS reports exactly those changes and applies them', async () => {
    const live = manifest.services.filter((s) => s.outcome === 'migrate');
    const byClient = (id: number) => live.filter((s) => s.clientId === id);
    const owners = new Map<number, number>();
    for (const c of manifest.clients)
      owners.set(c.expected.ownerUserId, (owners.get(c.expected.ownerUserId) ?? 0) + 1);
    // An account alone on its login, with servers, to close.
    const closed = manifest.clients.find(
      (c) => c.outcome === 'migrate' && owners.get(c.expected.ownerUserId) === 1 && byClient(c.id).length > 0,
    )!;
    const others = live.filter((s) => s.clientId !== closed.id);
    // A service with a memory dropdown (products 1 and 2: option 1, sub 2 = 4 GB, 3 = 8 GB) to resize.
    const [withRows] = (await whmcs.query(
      'SELECT DISTINCT relid FROM tblhostingconfigoptions WHERE configid = 1 AND relid IN (?)',
      [others.filter((s) => [1, 2].includes(s.productId)).map((s) => s.id)],
    )) as unknown as [{ relid: number }[]];
    const resized = others.find((s) => s.id === withRows[0]!.relid)!;
    const cancelled = others.find((s) => s.id !== resized.id)!;
    const terminated = others.find((s) => s.id !== resized.id && s.id !== cancelled.id)!;
    // A Pending service (no VMID yet) of an account that migrates, provisioned now.
    const pending = manifest.services.find(
      (s) =>
        s.whmcsStatus === 'Pending' &&
        [1, 2].includes(s.productId) &&
        manifest.clients.find((c) => c.id === s.clientId)!.outcome === 'migrate' &&
        s.clientId !== closed.id,
    )!;
    const passwordUser = manifest.users.find(
      (u) =>
        u.id !== closed.expected.ownerUserId &&
        manifest.clients.some((c) => c.outcome === 'migrate' && c.expected.ownerUserId === u.id),
    )!;

    const [[memoryRow]] = (await whmcs.query(
      'SELECT optionid FROM tblhostingconfigoptions WHERE relid = ? AND configid = 1 ORDER BY id DESC LIMIT 1',
      [resized.id],
    )) as unknown as [[{ optionid: number }]];
    const newSub = memoryRow.optionid === 3 ? 2 : 3;
    await whmcs.query('UPDATE tblhostingconfigoptions SET optionid = ? WHERE relid = ? AND configid = 1', [
      newSub,
      resized.id,
    ]);
    await whmcs.query("UPDATE tblhosting SET domainstatus = 'Cancelled' WHERE id = ?", [cancelled.id]);
    await whmcs.query("UPDATE tblhosting SET domainstatus = 'Terminated' WHERE id = ?", [terminated.id]);
    await whmcs.query("UPDATE tblclients SET status = 'Closed' WHERE id = ?", [closed.id]);
    await whmcs.query("UPDATE tblhosting SET domainstatus = 'Active' WHERE id = ?", [pending.id]);
    await whmcs.query(
      `UPDATE tblcustomfieldsvalues v JOIN tblcustomfields f ON f.id = v.fieldid
          SET v.value = ? WHERE v.relid = ? AND f.fieldname = 'VMID'`,
      [String(10000 + pending.id), pending.id],
    );
    // A new md5 hash, as WHMCS stores the password a customer just changed.
    await whmcs.query("UPDATE tblusers SET password = MD5('a brand new password') WHERE id = ?", [
      passwordUser.id,
    ]);

    const closedLogin = `u${closed.expected.ownerUserId}`;
    const expectRemovals = (r: RunResult) => {
      const byService = (id: number) => r.removals.servers.find((x) => x.serviceId === id);
      expect(byService(cancelled.id)).toMatchObject({
        whmcsStatus: 'Cancelled',
        reason: 'service-ended',
        action: 'terminate',
      });
      expect(byService(terminated.id)).toMatchObject({
        whmcsStatus: 'Terminated',
        reason: 'service-ended',
        action: 'terminate',
      });
      for (const s of byClient(closed.id))
        expect(byService(s.id), `service ${s.id}`).toMatchObject({
          reason: 'client-closed',
          action: 'suspend',
        });
      expect(r.removals.servers.map((x) => x.serviceId).sort((a, b) => a - b)).toEqual(
        [cancelled.id, terminated.id, ...byClient(closed.id).map((s) => s.id)].sort((a, b) => a - b),
      );
      expect(r.removals.accounts).toEqual([
        { clientId: closed.id, status: 'Closed', reason: 'client-closed' },
      ]);
    };

    // The rehearsal: everything reported, nothing written.
    const dry = await migrateJson('--dry-run');
    expect(dry.changes.servers).toEqual({
      created: [pending.id],
      updated: [{ id: resized.id, fields: ['memoryMb'] }],
    });
    expect(dry.changes.users.passwordChanged).toEqual([`u${passwordUser.id}`]);
    expectRemovals(dry);

    const real = await migrateJson();
    expect(real.changes.servers).toEqual({
      created: [pending.id],
      updated: [{ id: resized.id, fields: ['memoryMb'] }],
    });
    expect(real.changes.users).toEqual({
      created: [],
      updated: [`u${passwordUser.id}`],
      passwordChanged: [`u${passwordUser.id}`],
    });
    expect(real.changes.accounts).toEqual({ created: [], updated: [] });
    expect(real.counts.servers.failed).toBe(0);
    expectRemovals(real);
    expect(real.changes.users.updated).not.toContain(closedLogin);
    // What left the scope is reported and kept, not lost: the reconciliation leaves it out, the run exits 0.
    expect(real.reconciliation?.ok).toBe(true);

    const [resizedRow] = await rows<{ memory_mb: number }>(
      sql`select memory_mb from servers where legacy_whmcs_service_id = ${resized.id}`,
    );
    expect(resizedRow!.memory_mb).toBe(newSub === 3 ? 8192 : 4096);
    const kept = await rows<{ sid: number; status: string; terminated_at: Date | null }>(
      sql`select legacy_whmcs_service_id as sid, status, terminated_at from servers
          where legacy_whmcs_service_id in (${cancelled.id}, ${terminated.id})`,
    );
    expect(kept).toHaveLength(2);
    for (const k of kept) expect(k.terminated_at).toBeNull();
    const [newServer] = await rows<{ pve_vmid: number }>(
      sql`select pve_vmid from servers where legacy_whmcs_service_id = ${pending.id}`,
    );
    expect(newServer!.pve_vmid).toBe(10000 + pending.id);
    const [hash] = await rows<{ h: string }>(
      sql`select password_hash as h from users where legacy_whmcs_user_id = ${passwordUser.id}`,
    );
    expect(hash!.h).toMatch(/^\$whmcs-md5\$/);

    // The text summary says the same, by category with the ids.
    const { code, out } = await migrate('--dry-run');
    expect(code).toBe(0);
    expect(out).toContain(`servers, service-ended → terminate (2):`);
    expect(out).toContain(`accounts, client-closed (1): ${closed.id}`);
    expect(out).toContain('Result: OK (exit 0)');

    // Once applied, a rerun changes nothing, and still lists what is out of scope.
    const settled = await migrateJson();
    expect(settled.changes.servers).toEqual({ created: [], updated: [] });
    expect(settled.changes.users.passwordChanged).toEqual([]);
    expectRemovals(settled);
    removed = {
      cancelled: cancelled.id,
      terminated: terminated.id,
      closed: byClient(closed.id).map((s) => s.id),
    };
  }, 120_000);

  it('--apply-removals suspends what left the scope through Keel, never terminates it, and reports each', async () => {
    expect(removed, 'the rerun test ran first').not.toBeNull();
    const { cancelled, terminated, closed } = removed!;
    const removedIds = [cancelled, terminated, ...closed].sort((a, b) => a - b);
    const ofRemoved = () =>
      rows<{
        sid: number;
        id: string;
        status: string;
        suspended_by: string | null;
        reason: string | null;
        terminated_at: Date | null;
      }>(
        sql`select legacy_whmcs_service_id as sid, id, status, suspended_by, suspension_reason as reason, terminated_at
              from servers where legacy_whmcs_service_id in (${sql.raw(removedIds.join(','))}) order by 1`,
      );
    const jobs = () =>
      rows<{ sid: number; kind: string; state: string }>(
        sql`select s.legacy_whmcs_service_id as sid, j.kind, j.state from server_jobs j join servers s on s.id = j.server_id
              where s.legacy_whmcs_service_id in (${sql.raw(removedIds.join(','))}) order by 1`,
      );
    const before = await ofRemoved();
    expect(before.map((r) => r.sid)).toEqual(removedIds);
    // Some were migrated suspended (Suspended in WHMCS): those are left as they are.
    const wasSuspended = new Set(before.filter((r) => r.status === 'suspended').map((r) => r.sid));
    const toSuspend = removedIds.filter((id) => !wasSuspended.has(id));
    expect(toSuspend.length).toBeGreaterThan(0);
    const expectedOutcome = (id: number, fresh: string) =>
      wasSuspended.has(id) ? 'already-suspended' : fresh;
    const jobsBefore = await jobs();

    // The rehearsal says what it would do and does nothing, without needing an administrator.
    const dry = await migrateJson('--dry-run', '--apply-removals');
    expect(
      dry.appliedRemovals!.map((r) => [r.serviceId, r.outcome]).sort((a, b) => Number(a[0]) - Number(b[0])),
    ).toEqual(removedIds.map((id) => [id, expectedOutcome(id, 'would-suspend')]));
    expect(await ofRemoved()).toEqual(before);

    const admin = await createUser(target.handle.db, {
      email: 'operator@example.com',
      password: 'an-operator-password',
      role: 'admin',
    });
    const { code, out, err } = await migrate('--apply-removals');
    expect(code, err).toBe(0);
    const after = await ofRemoved();
    for (const r of after) {
      expect(r.status, `service ${r.sid}`).toBe('suspended');
      if (!wasSuspended.has(r.sid)) expect(r.suspended_by).toBe(admin.id);
      expect(r.terminated_at).toBeNull();
    }
    const reasonOf = (sid: number) => after.find((r) => r.sid === sid)!.reason;
    if (!wasSuspended.has(cancelled)) expect(reasonOf(cancelled)).toBe('the service is cancelled in billing');
    if (!wasSuspended.has(terminated))
      expect(reasonOf(terminated)).toBe('the service is terminated in billing');
    const closedFresh = closed.filter((id) => !wasSuspended.has(id));
    for (const id of closedFresh) expect(reasonOf(id)).toBe('the account is closed in billing');
    // One suspend job each for the worker to power the VM off; nothing that deletes a VM.
    const queued = (await jobs()).filter(
      (j) => !jobsBefore.some((b) => b.sid === j.sid && b.kind === j.kind),
    );
    expect(queued.map((j) => [j.sid, j.kind])).toEqual(toSuspend.map((id) => [id, 'suspend']));
    const [terminateJobs] = await rows<{ n: number }>(
      sql`select count(*)::int as n from server_jobs where kind = 'terminate'`,
    );
    expect(terminateJobs!.n).toBe(0);
    const audits = await rows<{ n: number }>(
      sql`select count(*)::int as n from audit_events where kind = 'server.suspend' and actor_user_id = ${admin.id}`,
    );
    expect(audits[0]!.n).toBe(toSuspend.length);
    // The report lists each applied removal; an ended service says how to terminate it, and that it keeps its VM.
    expect(out).toContain('removals applied:');
    for (const r of after) expect(out).toContain(`service ${r.sid} → server ${r.id}`);
    const terminatedServer = after.find((r) => r.sid === terminated)!;
    expect(out).toMatch(
      new RegExp(
        `service ${terminated} → server ${terminatedServer.id} .*: (already-)?suspended \\(service-ended, Terminated\\): (already )?suspended, not terminated: Terminated in WHMCS; VM \\d+ is kept\\. DELETE /api/admin/servers/${terminatedServer.id} terminates it`,
      ),
    );

    // Applied once: a rerun finds them suspended and queues nothing more.
    const again = await migrateJson('--apply-removals');
    expect(new Set(again.appliedRemovals!.map((r) => r.outcome))).toEqual(new Set(['already-suspended']));
    expect((await jobs()).length).toBe(jobsBefore.length + toSuspend.length);
  }, 120_000);
});
