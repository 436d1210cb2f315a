/**
 * A server's activity as its customer sees it. The audit trail is written for operators and names the
 * PVE node, the VMID and the template a server came from; unless the operator chooses to show those
 * (ACTIVITY_PVE_DETAILS), customers read the same events without them.
 */
import { eq } from 'drizzle-orm';
import type { ServerEvent } from '../../../shared/api.ts';
import type { Database } from '../../db/client.ts';
import { images, locations, servers } from '../../db/schema.ts';
import { jobProgressOf } from '../../jobs/queue.ts';

/** What must not reach the customer: node names, and VMIDs and template ids. */
export interface PveIdentifiers {
  nodes: readonly string[];
  vmids: readonly number[];
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Removes every known identifier, and any number PVE or Keel put after "VM", "VMID" or "template". */
export function scrubPveDetails(text: string, known: PveIdentifiers): string {
  let out = text.replace(/\b(VMID|VM|vmid|template)\s+\d+\b/g, '$1');
  for (const node of [...known.nodes].filter(Boolean).sort((a, b) => b.length - a.length)) {
    out = out.replace(new RegExp(`(?<![\\w.-])${escape(node)}(?![\\w-])`, 'g'), 'a node');
  }
  for (const vmid of known.vmids) {
    // PVE's VMIDs start at 100; smaller numbers are sizes and counts, never ids.
    if (vmid >= 100) out = out.replace(new RegExp(`(?<![\\w.])${vmid}(?![\\w])`, 'g'), '…');
  }
  return out;
}

const taskNames: Record<string, string> = {
  clone: 'Copying the image',
  resize: 'Sizing the disk',
  start: 'Start',
  stop: 'Stop',
  shutdown: 'Shutdown',
  reboot: 'Reboot',
  delete: 'Deleting the VM',
  'delete-old': 'Removing the old VM',
  snapshot: 'Taking a snapshot',
  rollback: 'Rolling back to a snapshot',
  'snapshot-delete': 'Deleting a snapshot',
};

/** Events whose whole point is a PVE detail get a fixed sentence instead. */
const fixedMessages: Record<string, string> = {
  'provision.vmid_taken': 'The VM id Keel chose was taken on Proxmox VE; choosing another',
  'reinstall.vmid_taken': 'The VM id Keel chose was taken on Proxmox VE; choosing another',
  'provision.cleaned_up': 'Deleted the half-made VM',
  'provision.cleanup_failed': 'Could not delete the half-made VM; it is left for an operator',
  'terminate.vm_missing': 'The VM was already gone',
};

/** One event's message with the PVE details taken out. */
export function customerMessage(event: { kind: string; message: string }, known: PveIdentifiers): string {
  const fixed = fixedMessages[event.kind];
  if (fixed) return fixed;
  if (event.kind === 'pve.task') {
    // `<label>: <exit status>`, the label starting with the task's name (job-context.ts).
    const split = event.message.indexOf(': ');
    const task = taskNames[event.message.split(/[ :]/, 1)[0]!] ?? 'Proxmox VE task';
    const status = split < 0 ? '' : event.message.slice(split + 2);
    return `${task}: ${status === 'OK' ? 'OK' : scrubPveDetails(status, known)}`;
  }
  const running = /^Running on \S+ as VM \d+ with (.*)$/.exec(event.message);
  if (event.kind === 'server.status' && running) return `Running with ${running[1]}`;
  return scrubPveDetails(event.message, known);
}

const upidNode = (upid: string | null) => (upid?.startsWith('UPID:') ? upid.split(':')[1] : undefined);

/** Every node name, VMID and template id the server's events could mention. */
async function pveIdentifiersFor(
  db: Database,
  serverId: string,
  events: EventRow[],
): Promise<PveIdentifiers> {
  const [server, jobs, allLocations, allImages] = await Promise.all([
    db.select({ node: servers.pveNode, vmid: servers.pveVmid }).from(servers).where(eq(servers.id, serverId)),
    jobProgressOf(db, serverId),
    db.select({ nodes: locations.pveNodes }).from(locations),
    db.select({ templates: images.pveTemplates }).from(images),
  ]);
  const nodes = new Set<string>();
  const vmids = new Set<number>();
  const add = (node: unknown, vmid: unknown) => {
    if (typeof node === 'string' && node && node !== '*') nodes.add(node);
    if (typeof vmid === 'number' && Number.isInteger(vmid)) vmids.add(vmid);
  };
  for (const row of server) add(row.node, row.vmid);
  for (const { progress } of jobs) {
    add(progress.node, progress.vmid);
    add(progress.templateNode, progress.templateVmid);
    add(progress.oldNode, progress.oldVmid); // a reinstall's old VM
  }
  for (const { nodes: list } of allLocations) for (const node of list) add(node, null);
  for (const { templates } of allImages)
    for (const [node, vmid] of Object.entries(templates)) add(node, vmid);
  for (const event of events) {
    add(event.data.node, event.data.vmid);
    add(upidNode(event.pveUpid), null);
  }
  return { nodes: [...nodes], vmids: [...vmids] };
}

type EventRow = ServerEvent & { data: Record<string, unknown>; pveUpid: string | null };

/** The events as the customer sees them: every PVE identifier they could mention taken out. */
export async function withoutPveDetails(
  db: Database,
  serverId: string,
  rows: EventRow[],
): Promise<ServerEvent[]> {
  const known = await pveIdentifiersFor(db, serverId, rows);
  return rows.map(({ id, at, kind, message }) => ({
    id,
    at,
    kind,
    message: customerMessage({ kind, message }, known),
  }));
}
