/**
 * The endpoint of a PVE API path as a template, `/nodes/{node}/qemu/{vmid}/status/current`: what a
 * metric is labelled with, so the number of series stays that of the API Keel calls, not of its VMs,
 * nodes, tasks and snapshots.
 */

/** PVE's own path words are lower-case identifiers; anything else in a path is a value. */
const pathWord = /^[a-z][a-z0-9_-]*$/;

/** What the segment after each of these names (`/nodes/pve1` → `/nodes/{node}`). */
const valueAfter: Record<string, string> = {
  nodes: '{node}',
  qemu: '{vmid}',
  lxc: '{vmid}',
  tasks: '{upid}',
  storage: '{storage}',
  snapshot: '{snapname}',
};

export function pveEndpointTemplate(path: string): string {
  const segments = path.split('?', 1)[0]!.split('/');
  let template = '';
  let previous = '';
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i]!;
    const named = Object.hasOwn(valueAfter, previous) ? valueAfter[previous] : undefined;
    // `/cluster/resources` has no value after `cluster`; `/nodes/{node}/storage` may end a path.
    const part = named ?? (pathWord.test(segment) ? segment : '{value}');
    template += `/${part}`;
    previous = named ? '' : segment;
  }
  return template || '/';
}
