/** The human summary, and the verdict the exit code is read from. */
import type { RunResult } from './run.ts';

export interface Verdict {
  /** 0 every account, user and server migrated or skipped with a reason; 1 a record that matters was lost. */
  code: 0 | 1;
  /** What makes it 1: records that matter that did not arrive, or arrived different. */
  lost: string[];
  /** What the operator should read, but that loses nothing. */
  warnings: string[];
}

/**
 * Records that matter are customers (accounts, their logins) and servers: a failed one, a reconciliation
 * mismatch or a server whose VM differs (--verify-pve) is a loss. A catalogue entry without all its defaults
 * is only a warning while every service of it migrated with its own specs; so is what left the scope.
 */
export function verdict(result: RunResult): Verdict {
  const lost: string[] = [];
  const warnings: string[] = [];
  for (const entity of ['accounts', 'users', 'servers'] as const) {
    const failed = result.counts[entity].failed;
    if (failed > 0) lost.push(`${failed} ${entity} failed`);
  }
  const rec = result.reconciliation;
  if (rec && !rec.ok) lost.push(`reconciliation mismatch: ${rec.mismatches.join('; ')}`);
  if (result.pveCheck && result.pveCheck.mismatched > 0)
    lost.push(`${result.pveCheck.mismatched} servers differ from their PVE VM`);
  for (const plan of result.unresolvedPlans) {
    const text = `plan ${plan.slug} (product ${plan.productId}) is closed with ${plan.missing.join(', ')} unknown (0)`;
    if (plan.servicesFailed > 0)
      lost.push(`${text}, and ${plan.servicesFailed} of its services failed: ${plan.reasons.join('; ')}`);
    else
      warnings.push(`${text}; every service of it migrated with its own specs: ${plan.reasons.join('; ')}`);
  }
  const ip = result.addresses;
  if (ip.conflictCount > 0)
    warnings.push(
      `${ip.conflictCount} address claims refused: the address is another server's (see "addresses"); each stays with its holder`,
    );
  if (ip.invalidCount > 0)
    warnings.push(
      `${ip.invalidCount} dedicated/assigned IP values are not addresses and were not registered`,
    );
  const { servers, accounts } = result.removals;
  if (servers.length > 0)
    warnings.push(`${servers.length} servers migrated earlier are out of scope now (see "left the scope")`);
  const notSuspended = (result.appliedRemovals ?? []).filter((r) => r.outcome === 'not-suspended');
  if (notSuspended.length > 0)
    warnings.push(
      `${notSuspended.length} servers out of scope could not be suspended now (see "removals applied"); a rerun tries again`,
    );
  if (accounts.length > 0)
    warnings.push(`${accounts.length} accounts migrated earlier are out of scope now (see "left the scope")`);
  return { code: lost.length > 0 ? 1 : 0, lost, warnings };
}

/** At most `max` ids of a list, then how many more. */
function ids(list: readonly (number | string)[], total = list.length, max = 20): string {
  const shown = list.slice(0, max).join(', ');
  return total > max ? `${shown} … and ${total - max} more` : shown;
}

export function formatSummary(result: RunResult): string {
  const pve = result.pveCheck;
  const lines: string[] = [];
  const verb = result.dryRun ? 'would be ' : '';
  lines.push(
    `${result.dryRun ? 'DRY RUN (rolled back; the target is unchanged)' : 'Migration'} from WHMCS ${result.whmcsVersion ?? '(unknown version)'} in ${result.seconds.toFixed(1)} s`,
  );
  for (const p of result.phases)
    lines.push(`  phase ${p.phase.padEnd(9)} ${p.seconds.toFixed(1)} s: ${p.line}`);
  for (const [entity, c] of Object.entries(result.counts)) {
    const skipped = Object.entries(c.skipped)
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ');
    lines.push(
      `  ${entity.padEnd(10)} ${verb}created ${c.created}, ${verb}updated ${c.updated}, unchanged ${c.unchanged}` +
        `${skipped ? `, skipped: ${skipped}` : ''}${c.failed ? `, FAILED ${c.failed}` : ''}`,
    );
  }
  const changed = Object.values(result.counts).reduce((n, c) => n + c.created + c.updated, 0);
  const { removals, changes } = result;
  if (changed === 0 && removals.servers.length === 0 && removals.accounts.length === 0)
    lines.push('  0 changes: the target already matches the source.');
  else {
    lines.push(`  changes${result.dryRun ? ' this run would make' : ''} (WHMCS ids):`);
    const c = result.counts;
    const list = (label: string, items: readonly (number | string)[], total: number) => {
      if (total > 0) lines.push(`    ${label} (${total}): ${ids(items, total)}`);
    };
    list('new services', changes.servers.created, c.servers.created);
    if (c.servers.updated > 0)
      lines.push(
        `    changed services (${c.servers.updated}): ${ids(
          changes.servers.updated.map((u) => `${u.id} (${u.fields.join(', ')})`),
          c.servers.updated,
        )}`,
      );
    list('new accounts', changes.accounts.created, c.accounts.created);
    list('changed accounts', changes.accounts.updated, c.accounts.updated);
    list('new logins', changes.users.created, c.users.created);
    list('changed logins', changes.users.updated, c.users.updated);
    list('changed passwords', changes.users.passwordChanged, changes.users.passwordChanged.length);
    list('new plans (product ids)', changes.plans.created, c.plans.created);
    list('changed plans (product ids)', changes.plans.updated, c.plans.updated);
  }
  if (removals.servers.length > 0 || removals.accounts.length > 0) {
    lines.push(
      result.appliedRemovals
        ? `  left the scope since an earlier run (servers: see "removals applied"; accounts are kept as they are):`
        : `  left the scope since an earlier run (kept in Keel as they are; --apply-removals suspends the servers):`,
    );
    const byReason = new Map<string, typeof removals.servers>();
    for (const r of removals.servers) byReason.set(r.reason, [...(byReason.get(r.reason) ?? []), r]);
    for (const [reason, list] of byReason)
      lines.push(
        `    servers, ${reason} → ${list[0]!.action} (${list.length}): ${ids(list.map((r) => (r.whmcsStatus ? `${r.serviceId} ${r.whmcsStatus}` : String(r.serviceId))))}`,
      );
    const accountsByReason = new Map<string, number[]>();
    for (const a of removals.accounts)
      accountsByReason.set(a.reason, [...(accountsByReason.get(a.reason) ?? []), a.clientId]);
    for (const [reason, list] of accountsByReason)
      lines.push(`    accounts, ${reason} (${list.length}): ${ids(list)}`);
  }
  if (result.appliedRemovals && result.appliedRemovals.length > 0) {
    lines.push(`  removals applied${result.dryRun ? ' (dry run: nothing changed)' : ''}:`);
    for (const r of result.appliedRemovals)
      lines.push(
        `    service ${r.serviceId} → server ${r.serverId} ${r.name}: ${r.outcome} (${r.reason}${r.whmcsStatus ? `, ${r.whmcsStatus}` : ''}): ${r.note}`,
      );
  }
  const ip = result.addresses;
  lines.push(
    `  addresses (IPAM): ${ip.inPool} in a pool, ${ip.outsidePool} outside every pool (recorded: no pool created later hands them out); ` +
      `this run ${verb}allocated ${ip.allocated}, ${verb}recorded ${ip.recorded}, kept ${ip.kept}` +
      `${ip.conflictCount ? `, ${ip.conflictCount} CONFLICTS` : ''}${ip.invalidCount ? `, ${ip.invalidCount} not addresses` : ''}`,
  );
  for (const c of ip.conflicts.slice(0, 50))
    lines.push(
      `    conflict: ${c.address} claimed by service ${c.serviceId}, held by ${c.heldByServiceId !== null ? `service ${c.heldByServiceId}` : `Keel server ${c.heldByServerId}`}`,
    );
  for (const i of ip.invalid.slice(0, 20))
    lines.push(`    not an address: service ${i.serviceId}: ${JSON.stringify(i.value)}`);
  if (result.created.images.length)
    lines.push(`  new images (closed to orders): ${result.created.images.join(', ')}`);
  if (result.created.locations.length)
    lines.push(`  new locations (closed to orders): ${result.created.locations.join(', ')}`);
  for (const s of result.sharedEmails)
    lines.push(`  shared email ${s.email}: kept login ${s.keptLogin}, merged ${s.mergedLogins.join(', ')}`);
  if (Object.keys(result.warnings).length)
    lines.push(
      `  warnings: ${Object.entries(result.warnings)
        .map(([w, n]) => `${w} ${n}`)
        .join(', ')}`,
    );
  lines.push(`  kept in legacy_attributes: ${result.legacyKeys.join(', ') || '(none)'}`);
  for (const r of result.records.filter((x) => x.outcome === 'failed').slice(0, 50))
    lines.push(`  FAILED ${r.entity} ${r.id}: ${r.error ?? ''}`);
  lines.push('  not migrated:');
  for (const n of result.notMigrated) lines.push(`    - ${n}`);
  if (result.reconciliation) {
    const rec = result.reconciliation;
    lines.push(
      `  reconciliation: ${rec.ok ? 'OK' : 'MISMATCH'} (servers ${rec.expectedServers}/${rec.targetServers}, users ${rec.expectedUsers}/${rec.targetUsers}, accounts in users.legacy_attributes ${rec.expectedAccounts}/${rec.targetAccounts})`,
    );
    for (const m of rec.mismatches) lines.push(`    - ${m}`);
  }
  if (pve) {
    lines.push(
      `  PVE verification: ${pve.checked} checked, ${pve.matched} match, ${pve.mismatched} with problems`,
    );
    for (const p of pve.problems.slice(0, 50))
      lines.push(`    - service ${p.serviceId} VMID ${p.vmid}: ${p.problem}`);
  }
  const v = verdict(result);
  if (v.code === 0)
    lines.push('Result: OK (exit 0): every account and server was migrated or skipped with a reason.');
  else lines.push('Result: RECORDS LOST (exit 1):');
  for (const l of v.lost) lines.push(`  LOST: ${l}`);
  for (const w of v.warnings) lines.push(`  WARNING (nothing lost): ${w}`);
  return `${lines.join('\n')}\n`;
}
