/**
 * The accounts phase: WHMCS accounts (tblclients) → Keel users, one per owner login, each account's billing
 * details kept in its user's legacy_attributes. Clients are read in id order, batch by batch, the next batch
 * read from MariaDB while this one is written.
 */
import { writeUsers, type AccountAppend, type UserRow } from '../load-users.ts';
import type { Change } from '../load.ts';
import { clientSkipReason, normalizeEmail, resolveSharedEmails } from '../rules.ts';
import { readClientBatch, readClientFields } from '../source.ts';
import type { RecordReport } from '../tally.ts';
import { accountDetails, accountWarnings, loginIds, newUser, ownLogin } from '../transform-accounts.ts';
import { prefetch, type PhaseContext } from './context.ts';

export interface Logins {
  /** Keel user id per login key (`u<tblusers.id>` / `c<tblclients.id>`) written by this run. */
  userIds: Map<string, string>;
  /** The Keel user a WHMCS client's services belong to, when its login was migrated. */
  userOfClient(clientId: number): string | undefined;
}

export async function migrateAccounts(ctx: PhaseContext): Promise<Logins> {
  const { tally, mapping } = ctx;
  // Only ids are kept in memory (one per login and client), never the rows.
  const loginOfClient = new Map<number, string>();
  const userIds = new Map<string, string>();
  const emailWinners = new Map<string, number>();
  const merged = new Map<string, { email: string; logins: string[] }>();
  // The outcome of each login's first write in this run: later accounts of the same login only append.
  const loginChange = new Map<string, Change>();
  let done = 0;
  const read = (afterId: number) =>
    prefetch(
      (async () => {
        const clients = await readClientBatch(ctx.source, afterId, ctx.batchSize, ctx.clientIds);
        const fields = await readClientFields(
          ctx.source,
          clients.map((c) => c.id),
        );
        return { clients, fields };
      })(),
    );
  let next = read(0);
  for (;;) {
    const { clients, fields } = await tally.timed('accounts.read', () => next);
    if (clients.length === 0) break;
    next = read(clients[clients.length - 1]!.id);
    const inScope = clients.filter((c) => {
      const reason = clientSkipReason(c.status, mapping.clientStatuses);
      if (!reason) return true;
      tally.skip('accounts', reason);
      tally.record({ entity: 'account', id: c.id, outcome: 'skipped', reason });
      return false;
    });
    const own = new Map(inScope.map((c) => [c.id, ownLogin(c)]));
    const winners = resolveSharedEmails(
      inScope.map((c) => ({ id: c.id, email: own.get(c.id)!.email })),
      emailWinners,
    );
    const userRows = new Map<string, UserRow>();
    const appends = new Map<string, AccountAppend>();
    const accountReports: { report: RecordReport; login: string }[] = [];
    for (const c of inScope) {
      const mine = own.get(c.id)!;
      // Clients come in id order, so the client whose email won was given its login first.
      const winner = winners.get(c.id)!;
      const login = winner === c.id ? mine.key : loginOfClient.get(winner)!;
      if (login !== mine.key) {
        const entry = merged.get(login) ?? { email: normalizeEmail(mine.email), logins: [] };
        if (!entry.logins.includes(mine.key)) entry.logins.push(mine.key);
        merged.set(login, entry);
      }
      loginOfClient.set(c.id, login);
      const details = accountDetails(c, fields.get(c.id) ?? {});
      const report: RecordReport = {
        entity: 'account',
        id: c.id,
        outcome: 'unchanged',
        warnings: accountWarnings(c),
        keel: { login, ...details },
      };
      accountReports.push({ report, login });
      const pending = userRows.get(login) ?? appends.get(login);
      if (pending) {
        pending.accounts[String(c.id)] = details;
        continue;
      }
      if (loginChange.has(login)) {
        appends.set(login, { ...loginIds(login), accounts: { [String(c.id)]: details } });
        continue;
      }
      const user = newUser(c, login, { [String(c.id)]: details });
      report.warnings!.push(...user.warnings);
      userRows.set(login, user.row);
    }

    const outcome = await tally.timed('accounts.write', () =>
      ctx.inBatch((tx) => writeUsers(tx, [...userRows.values()], [...appends.values()])),
    );
    for (const [key, change] of outcome.changes) {
      loginChange.set(key, change);
      tally.count('users', change);
      tally.record({ entity: 'user', id: key, outcome: change, keel: { email: userRows.get(key)?.email } });
    }
    for (const [key, append] of appends) {
      // A login unchanged so far whose later account changed is an updated user, counted once.
      const grew = Object.keys(append.accounts).some((id) => outcome.accountChanges.has(Number(id)));
      if (grew && loginChange.get(key) === 'unchanged' && !outcome.failures.has(key)) {
        loginChange.set(key, 'updated');
        tally.recount('users', 'unchanged', 'updated');
        tally.record({ entity: 'user', id: key, outcome: 'updated' });
      }
    }
    for (const [key, error] of outcome.failures) {
      tally.count('users', 'failed');
      tally.record({ entity: 'user', id: key, outcome: 'failed', error });
    }
    for (const sums of outcome.accountSums) tally.migratedAccounts.add(sums);
    for (const { report, login } of accountReports) {
      if (outcome.failures.has(login) || !outcome.ids.has(login)) {
        report.outcome = 'failed';
        report.error = `its login ${login} failed`;
        tally.count('accounts', 'failed');
      } else {
        const change = outcome.accountChanges.get(Number(report.id)) ?? 'unchanged';
        report.outcome = change;
        tally.count('accounts', change);
      }
      tally.warn(report.warnings ?? []);
      tally.record(report);
    }
    done += clients.length;
    ctx.onProgress?.({ phase: 'accounts', done, rate: done / tally.elapsed });
    for (const [key, id] of outcome.ids) userIds.set(key, id);
  }
  for (const [keptLogin, { email, logins }] of merged)
    tally.result.sharedEmails.push({ email, keptLogin, mergedLogins: logins });
  return {
    userIds,
    userOfClient: (clientId) => {
      const login = loginOfClient.get(clientId);
      return login ? userIds.get(login) : undefined;
    },
  };
}
