/** Choosing a PVE node for a new server. Pure. */

export interface NodeCandidate {
  node: string;
  online: boolean;
  freeMemoryMb: number;
  /** The template VMID this node would clone from, or null when the image has none here. */
  templateVmid: number | null;
}

export type Placement = { ok: true; node: string; templateVmid: number } | { ok: false; reason: string };

/**
 * The online node with the template and the most free memory that still fits the server, leaving
 * `headroomMb` for the node itself.
 */
export function chooseNode(
  candidates: readonly NodeCandidate[],
  memoryMb: number,
  headroomMb = 1024,
): Placement {
  if (candidates.length === 0) return { ok: false, reason: 'this location has no Proxmox nodes configured' };
  const online = candidates.filter((c) => c.online);
  if (online.length === 0) return { ok: false, reason: 'no Proxmox node of this location is online' };
  const withTemplate = online.filter((c) => c.templateVmid !== null);
  if (withTemplate.length === 0)
    return { ok: false, reason: 'no online node of this location has the image template' };
  const fitting = withTemplate
    .filter((c) => c.freeMemoryMb - headroomMb >= memoryMb)
    .sort((a, b) => b.freeMemoryMb - a.freeMemoryMb || a.node.localeCompare(b.node));
  const best = fitting[0];
  if (!best) return { ok: false, reason: `no node of this location has ${memoryMb} MB of memory free` };
  return { ok: true, node: best.node, templateVmid: best.templateVmid! };
}

/** The template for `node`: its own copy, else one on shared storage (`*`). */
export function templateFor(templates: Record<string, number>, node: string): number | null {
  return templates[node] ?? templates['*'] ?? null;
}

/** What placement needs of PVE's `GET /nodes` answer. */
export interface NodeReport {
  node: string;
  status: string;
  mem?: number;
  maxmem?: number;
}

/**
 * The location's nodes as candidates: online or not, free memory as PVE reports it less what is
 * promised to servers placed there but not yet running, and the template each would clone from.
 */
export function nodeCandidates(
  locationNodes: readonly string[],
  reports: readonly NodeReport[],
  templates: Record<string, number>,
  placedMb: Readonly<Record<string, number>> = {},
): NodeCandidate[] {
  return locationNodes.map((name) => {
    const report = reports.find((r) => r.node === name);
    return {
      node: name,
      online: report?.status === 'online',
      freeMemoryMb: report
        ? ((report.maxmem ?? 0) - (report.mem ?? 0)) / (1024 * 1024) - (placedMb[name] ?? 0)
        : 0,
      templateVmid: templateFor(templates, name),
    };
  });
}
