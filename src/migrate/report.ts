/** The human summary and the PVE verification. */
import type { PveClient } from '../server/pve/client.ts';
import type { RunResult } from './run.ts';

export interface PveCheck {
  checked: number;
  problems: { serviceId: number; vmid: number; problem: string }[];
}

/** Each migrated server's VMID must exist on PVE with the same cores, memory and disk. */
export async function verifyPve(client: PveClient, result: RunResult): Promise<PveCheck> {
  const vms = new Map((await client.clusterVms()).map((vm) => [vm.vmid, vm]));
  const check: PveCheck = { checked: 0, problems: [] };
  for (const r of result.records) {
    if (r.entity !== 'service' || !r.keel || r.outcome === 'skipped' || r.outcome === 'failed') continue;
    const k = r.keel as {
      vmid: number;
      cpuCores: number;
      memoryMb: number;
      diskGb: number;
      node: string | null;
    };
    check.checked++;
    const vm = vms.get(k.vmid);
    const problem = (text: string) =>
      check.problems.push({ serviceId: Number(r.id), vmid: k.vmid, problem: text });
    if (!vm) {
      problem('VMID does not exist on PVE');
      continue;
    }
    if (k.node && vm.node !== k.node) problem(`on node ${vm.node}, Keel says ${k.node}`);
    if (vm.maxcpu !== undefined && vm.maxcpu !== k.cpuCores)
      problem(`PVE has ${vm.maxcpu} cores, Keel ${k.cpuCores}`);
    if (vm.maxmem !== undefined && vm.maxmem !== k.memoryMb * 1024 ** 2)
      problem(`PVE has ${vm.maxmem / 1024 ** 2} MB memory, Keel ${k.memoryMb}`);
    if (vm.maxdisk !== undefined && vm.maxdisk !== k.diskGb * 1024 ** 3)
      problem(`PVE has ${(vm.maxdisk / 1024 ** 3).toFixed(1)} GB disk, Keel ${k.diskGb}`);
  }
  return check;
}

export function formatSummary(result: RunResult, pve?: PveCheck): string {
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
      `  reconciliation: ${rec.ok ? 'OK' : 'MISMATCH'} (servers ${rec.expectedServers}/${rec.targetServers}, users ${rec.expectedUsers}/${rec.targetUsers})`,
    );
    for (const m of rec.mismatches) lines.push(`    - ${m}`);
  }
  if (pve) {
    lines.push(`  PVE verification: ${pve.checked} checked, ${pve.problems.length} problems`);
    for (const p of pve.problems.slice(0, 50))
      lines.push(`    - service ${p.serviceId} VMID ${p.vmid}: ${p.problem}`);
  }
  return `${lines.join('\n')}\n`;
}
