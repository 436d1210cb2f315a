/**
 * VM tags as PVE stores them (pve-guest-common GuestHelpers.pm get_unique_tags with the default
 * datacenter tag style): split on `;`, `,` or spaces, sorted case-insensitively, lowercased, each
 * once, joined by `;`. Compare and write tags in this form, or what PVE reads back never matches.
 */
export function pveTags(tags: string | readonly string[]): string {
  const list = typeof tags === 'string' ? tags.split(/[;,\s]+/) : tags.flatMap((t) => t.split(/[;,\s]+/));
  const lower = list.filter((t) => t !== '').map((t) => t.toLowerCase());
  return [...new Set(lower)].sort().join(';');
}

/** Whether two tag lists are the same once PVE has normalised them. */
export function sameTags(
  a: string | readonly string[] | undefined,
  b: string | readonly string[] | undefined,
): boolean {
  return pveTags(a ?? '') === pveTags(b ?? '');
}

/** Whether a VM's `tags` (as PVE returns them) include `tag`. */
export function hasTag(tags: string | undefined, tag: string): boolean {
  return pveTags(tags ?? '')
    .split(';')
    .includes(tag.toLowerCase());
}
