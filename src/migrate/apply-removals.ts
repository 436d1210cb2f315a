/**
 * `--apply-removals`: servers migrated by an earlier run whose WHMCS service left the scope are suspended in
 * Keel through Keel's own suspension service (status `suspended` at once, a `suspend` job for the worker that
 * powers the VM off, an audit entry with the acting administrator). Never terminated by the migration:
 * terminating in Keel deletes the VM, and a service cancelled or terminated in WHMCS may still hold a
 * customer's data the provider wants to look at first. Those are suspended too, and the report says so,
 * with the call that terminates one (and deletes its VM) once the operator has decided.
 */
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { Database } from '../server/db/client.ts';
import { servers, users } from '../server/db/schema.ts';
import { TRPCError } from '@trpc/server';
import { AppErrorDetail } from '../server/errors.ts';
import { suspendServer } from '../server/services/admin/suspension.ts';
import type { RemovalAction, ServerRemoval } from './run-result.ts';

export type RemovalOutcome =
  /** Suspended by this run. */
  | 'suspended'
  /** A dry run: would be suspended. */
  | 'would-suspend'
  /** Already suspended (by an earlier --apply-removals or an operator): nothing to do. */
  | 'already-suspended'
  /** Left as it is: Keel refused to suspend it now (still provisioning, terminating, …); `note` says why. */
  | 'not-suspended';

export interface AppliedRemoval {
  serviceId: number;
  serverId: string;
  name: string;
  vmid: number | null;
  whmcsStatus: string | null;
  reason: string;
  /** What WHMCS's state asks for: `terminate` for an ended service. */
  action: RemovalAction;
  outcome: RemovalOutcome;
  /** For the operator: what was done and what is left to decide. */
  note: string;
}

/** The suspension reason the customer reads ("Suspended by your provider: …"), by why the service left. */
export function customerReason(removal: Pick<ServerRemoval, 'reason' | 'whmcsStatus'>): string {
  switch (removal.reason) {
    case 'service-ended':
      return `the service is ${(removal.whmcsStatus ?? 'ended').toLowerCase()} in billing`;
    case 'client-closed':
      return 'the account is closed in billing';
    case 'deleted-in-whmcs':
      return 'the service no longer exists in billing';
    default:
      return `the service is no longer active in billing (${removal.reason})`;
  }
}

/** Pure: the report line's note for one removal and what came of it. */
export function removalNote(
  removal: Pick<ServerRemoval, 'action' | 'serverId' | 'vmid' | 'whmcsStatus'>,
  outcome: RemovalOutcome,
  refusal?: string,
): string {
  if (outcome === 'not-suspended') return `left as it is: ${refusal ?? 'Keel could not suspend it now'}`;
  const done =
    outcome === 'would-suspend'
      ? 'would be suspended'
      : outcome === 'already-suspended'
        ? 'already suspended'
        : 'suspended';
  if (removal.action !== 'terminate') return `${done}; unsuspend it in Keel if it comes back`;
  const vm = removal.vmid === null ? 'its VM' : `VM ${removal.vmid}`;
  return (
    `${done}, not terminated: ${removal.whmcsStatus ?? 'ended'} in WHMCS; ${vm} is kept. ` +
    `DELETE /api/admin/servers/${removal.serverId} terminates it and deletes ${vm}`
  );
}

/**
 * The administrator the suspensions are recorded for (audit log, `suspended_by`): the oldest active one.
 * Null when Keel has none yet.
 */
export async function migrationActor(db: Database): Promise<{ id: string; email: string } | null> {
  const [admin] = await db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(and(eq(users.role, 'admin'), isNull(users.disabledAt)))
    .orderBy(asc(users.createdAt), asc(users.id))
    .limit(1);
  return admin ?? null;
}

export async function applyRemovals(
  db: Database,
  removals: readonly ServerRemoval[],
  /** Who suspends (migrationActor); only a dry run, which writes nothing, goes without. */
  actor: { id: string } | null,
  options: { dryRun: boolean },
): Promise<AppliedRemoval[]> {
  if (removals.length === 0) return [];
  if (!actor && !options.dryRun) throw new Error('applying removals needs an administrator to act as');
  const statuses = new Map(
    (
      await db
        .select({ id: servers.id, status: servers.status })
        .from(servers)
        .where(
          inArray(
            servers.id,
            removals.map((r) => r.serverId),
          ),
        )
    ).map((s) => [s.id, s.status]),
  );
  const applied: AppliedRemoval[] = [];
  for (const removal of removals) {
    const status = statuses.get(removal.serverId);
    let outcome: RemovalOutcome;
    let refusal: string | undefined;
    if (status === 'suspended') outcome = 'already-suspended';
    else if (options.dryRun) outcome = 'would-suspend';
    else {
      try {
        await suspendServer({ db }, { id: actor!.id }, removal.serverId, customerReason(removal));
        outcome = 'suspended';
      } catch (err) {
        // Keel's own refusals (a server still provisioning, already terminating) are reported; anything
        // else is a fault and stops the run.
        if (!(err instanceof TRPCError && err.cause instanceof AppErrorDetail)) throw err;
        outcome = 'not-suspended';
        refusal = err.message;
      }
    }
    applied.push({
      serviceId: removal.serviceId,
      serverId: removal.serverId,
      name: removal.name,
      vmid: removal.vmid,
      whmcsStatus: removal.whmcsStatus,
      reason: removal.reason,
      action: removal.action,
      outcome,
      note: removalNote(removal, outcome, refusal),
    });
  }
  return applied;
}
