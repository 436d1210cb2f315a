/** PVE task ids: `UPID:node:pid:pstart:starttime:type:id:user:` (pve-common UPID.pm). */
export interface Upid {
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
}

const upidPattern =
  /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

export function parseUpid(upid: string): Upid | null {
  const m = upidPattern.exec(upid);
  if (!m) return null;
  return {
    node: m[1]!,
    pid: Number.parseInt(m[3]!, 16),
    pstart: Number.parseInt(m[4]!, 16),
    starttime: Number.parseInt(m[5]!, 16),
    type: m[6]!,
    id: m[7]!,
    user: m[8]!,
  };
}

/** `OK` and `WARNINGS: N` are success (UPID.pm status_is_error); anything else is the error text. */
export function isTaskSuccess(exitstatus: string): boolean {
  return exitstatus === 'OK' || /^WARNINGS: \d+$/.test(exitstatus);
}
