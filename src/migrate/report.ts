/** The human summary. */
import type { RunResult } from './run.ts';

export function formatSummary(result: RunResult): string {
  const pve = result.pveCheck;
  const lines: string[] = [];
  const verb = result.dryRun ? 'would be ' : '';
  lines.push(
    `${result.dryRun ? 'DRY RUN (rolled back; the target is unchanged)' : 'Migration'} from WHMCS ${result.whmcsVersion ?? '(unknown version)'} in ${result.seconds.toFixed(1)} s`,
  );
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
  if (changed === 0) lines.push('  0 changes: the target already matches the source.');
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
  return `${lines.join('\n')}\n`;
}
