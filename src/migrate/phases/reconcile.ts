/**
 * The reconciliation after a real run: what this run migrated against what the target now holds — counts, one
 * checksum per server field, and the accounts kept in users.legacy_attributes (count and checksum). The source
 * side was summed batch by batch over the values sent (the tally's sums); the target side is summed by
 * PostgreSQL with the same expressions (load.ts). Only what was migrated is compared (with --client, only those
 * clients' users and accounts).
 */
import { checksumFields, Sums, targetSums, type Writer } from '../load.ts';
import type { Reconciliation } from '../run-result.ts';
import type { Tally } from '../tally.ts';
import type { Logins } from './accounts.ts';

export async function reconcile(
  db: Writer,
  tally: Tally,
  logins: Pick<Logins, 'count' | 'userIds'>,
  clientIds: readonly number[] | null,
): Promise<Reconciliation> {
  // What left the scope since an earlier run is reported as such (tally.result.removals), not as a mismatch.
  const { removals } = tally.result;
  const target = await targetSums(
    db,
    clientIds ? { userIds: logins.userIds(), clientIds: [...new Set(clientIds)] } : null,
    {
      serviceIds: removals.servers.map((r) => r.serviceId),
      clientIds: removals.accounts.map((r) => r.clientId),
    },
  );
  const sourceSums = tally.migratedServers;
  const accountSums = tally.migratedAccounts;
  const targetServers = new Sums(checksumFields.length + 1);
  targetServers.add(target.servers);
  const targetAccounts = new Sums(2);
  targetAccounts.add(target.accounts);

  const fields: Reconciliation['fields'] = {};
  checksumFields.forEach((f, i) => {
    fields[f] = {
      source: sourceSums.digest(i + 1),
      target: targetServers.digest(i + 1),
      match: sourceSums.values[i + 1] === targetServers.values[i + 1],
    };
  });
  fields.accounts = {
    source: accountSums.digest(1),
    target: targetAccounts.digest(1),
    match: accountSums.values[1] === targetAccounts.values[1],
  };
  const mismatches: string[] = [];
  if (sourceSums.count !== targetServers.count)
    mismatches.push(`servers: ${sourceSums.count} migrated, ${targetServers.count} in the target`);
  if (logins.count !== target.users)
    mismatches.push(`users: ${logins.count} migrated, ${target.users} in the target`);
  if (accountSums.count !== targetAccounts.count)
    mismatches.push(
      `accounts (users.legacy_attributes.whmcsAccounts): ${accountSums.count} migrated, ${targetAccounts.count} in the target`,
    );
  for (const [f, v] of Object.entries(fields))
    if (!v.match)
      mismatches.push(`${f === 'accounts' ? 'users.whmcsAccounts' : `servers.${f}`}: checksum differs`);
  return {
    ok: mismatches.length === 0,
    expectedServers: sourceSums.count,
    targetServers: targetServers.count,
    expectedUsers: logins.count,
    targetUsers: target.users,
    expectedAccounts: accountSums.count,
    targetAccounts: targetAccounts.count,
    fields,
    mismatches,
  };
}
