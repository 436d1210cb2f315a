/**
 * The accounts phase: WHMCS accounts (tblclients) → Keel users, one per owner login, each account's billing
 * details kept in its user's legacy_attributes. Clients are read in id order, batch by batch, the next batch
 * read from MariaDB while this one is written.
 */
import { loginCode, loginKey, writeUsers, type AccountAppend, type UserRow } from '../load-users.ts';
import { IntMap, StringIntMap, uuidWords, wordsUuid } from '../id-map.ts';
import { IdSet } from '../id-set.ts';
import { storedAccountIds, type Change } from '../load.ts';
import { clientSkipReason, normalizeEmail, resolveSharedEmails } from '../rules.ts';
import { readClientBatch, readClientFields, readClientStatuses } from '../source.ts';
import { accountDetails, accountWarnings, loginIds, newUser, ownLogin } from '../transform-accounts.ts';
import { endPhase, prefetch, type PhaseContext } from './context.ts';

export interface Logins {
  /** How many logins this run wrote (each has its Keel user). */
  count: number;
  /** The Keel user ids of those logins (for a run limited to a few clients: all of them in memory at once). */
  userIds(): string[];
  /** The Keel user a WHMCS client's services belong to, when its login was migrated. */
  userOfClient(clientId: number): string | undefined;
}

const changeCodes: Change[] = ['created', 'updated', 'unchanged'];

export async function migrateAccounts(ctx: PhaseContext, lastClientId: number): Promise<Logins> {
  const { tally, mapping } = ctx;
  const phaseStarted = performance.now();
  const migratedAccounts = new IdSet();
  // Only ids are kept in memory for the whole run (one entry per login and client, in typed arrays: id-map.ts),
  // never the rows: client id → login code, login code → Keel user id, normalised email → first client.
  const loginOfClient = new IntMap();
  const userIds = new IntMap(4);
  const emailWinners = new StringIntMap();
  const merged = new Map<string, { email: string; logins: string[] }>();
  // The outcome of each login's first write in this run (index into changeCodes): later accounts of the same
  // login only append.
  const loginChange = new IntMap();
  const changeOf = (login: string): Change | undefined => {
    const code = loginChange.get(loginCode(login));
    return code ? changeCodes[code[0]!] : undefined;
  };
  const setChange = (login: string, change: Change) =>
    loginChange.set(loginCode(login), [changeCodes.indexOf(change)]);
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
    // What the report needs of each account once the batch is written: its entry in full only with --report
    // (tally.keepsRecords), else its id, login and warnings (the counts and the warning tallies).
    const accountReports: AccountOutcome[] = [];
    for (const c of inScope) {
      const mine = own.get(c.id)!;
      // Clients come in id order, so the client whose email won was given its login first.
      const winner = winners.get(c.id)!;
      const login = winner === c.id ? mine.key : loginKey(loginOfClient.get(winner)![0]!);
      if (login !== mine.key) {
        const entry = merged.get(login) ?? { email: normalizeEmail(mine.email), logins: [] };
        if (!entry.logins.includes(mine.key)) entry.logins.push(mine.key);
        merged.set(login, entry);
      }
      loginOfClient.set(c.id, [loginCode(login)]);
      const details = accountDetails(c, fields.get(c.id) ?? {});
      const warnings = accountWarnings(c);
      accountReports.push({
        id: c.id,
        login,
        warnings,
        keel: tally.keepsRecords ? { login, ...details } : undefined,
      });
      const pending = userRows.get(login) ?? appends.get(login);
      if (pending) {
        pending.accounts[String(c.id)] = details;
        continue;
      }
      if (changeOf(login)) {
        appends.set(login, { ...loginIds(login), accounts: { [String(c.id)]: details } });
        continue;
      }
      const user = newUser(c, login, { [String(c.id)]: details });
      warnings.push(...user.warnings);
      userRows.set(login, user.row);
    }

    const outcome = await tally.timed('accounts.write', () =>
      ctx.inBatch((tx) => writeUsers(tx, [...userRows.values()], [...appends.values()])),
    );
    for (const [key, change] of outcome.changes) {
      setChange(key, change);
      tally.count('users', change);
      tally.userChanged(key, change, outcome.passwordChanged.has(key));
      if (tally.keepsRecords)
        tally.record({ entity: 'user', id: key, outcome: change, keel: { email: userRows.get(key)?.email } });
    }
    for (const [key, append] of appends) {
      // A login unchanged so far whose later account changed is an updated user, counted once.
      const grew = Object.keys(append.accounts).some((id) => outcome.accountChanges.has(Number(id)));
      if (grew && changeOf(key) === 'unchanged' && !outcome.failures.has(key)) {
        setChange(key, 'updated');
        tally.recount('users', 'unchanged', 'updated');
        tally.userChanged(key, 'updated', false);
        tally.record({ entity: 'user', id: key, outcome: 'updated' });
      }
    }
    for (const [key, error] of outcome.failures) {
      tally.count('users', 'failed');
      tally.record({ entity: 'user', id: key, outcome: 'failed', error });
    }
    for (const sums of outcome.accountSums) tally.migratedAccounts.add(sums);
    for (const { id, login, warnings, keel } of accountReports) {
      const failed = outcome.failures.has(login) || !outcome.ids.has(login);
      const change = failed ? 'failed' : (outcome.accountChanges.get(id) ?? 'unchanged');
      tally.count('accounts', change);
      if (change !== 'failed') {
        tally.accountChanged(id, change);
        migratedAccounts.add(id);
      }
      tally.warn(warnings);
      if (tally.keepsRecords)
        tally.record({
          entity: 'account',
          id,
          outcome: change,
          warnings,
          ...(keel && { keel }),
          ...(failed && { error: `its login ${login} failed` }),
        });
    }
    done += clients.length;
    ctx.onProgress?.({
      phase: 'accounts',
      done,
      rate: done / tally.elapsed,
      position: { at: clients[clients.length - 1]!.id, last: lastClientId },
    });
    for (const [key, id] of outcome.ids) userIds.set(loginCode(key), uuidWords(id));
  }
  for (const [keptLogin, { email, logins }] of merged)
    tally.result.sharedEmails.push({ email, keptLogin, mergedLogins: logins });
  await reportAccountRemovals(ctx, migratedAccounts);
  const u = tally.result.counts.users;
  endPhase(
    ctx,
    'accounts',
    phaseStarted,
    `${done} read, accounts ${tally.countsLine('accounts')}; users created ${u.created}, updated ${u.updated} (${tally.passwordsChanged} passwords changed), failed ${u.failed}; ${tally.result.removals.accounts.length} accounts left the scope`,
  );
  return {
    count: userIds.size,
    userIds: () => [...userIds.entries()].map(([, id]) => wordsUuid(id)),
    userOfClient: (clientId) => {
      const login = loginOfClient.get(clientId);
      const id = login && userIds.get(login[0]!);
      return id ? wordsUuid(id) : undefined;
    },
  };
}

/** An account of a batch, until the batch's write says what became of it. */
interface AccountOutcome {
  id: number;
  login: string;
  warnings: string[];
  /** Its report entry's `keel` (the login and the details kept), only when the run keeps records. */
  keel: Record<string, unknown> | undefined;
}

/** Accounts an earlier run migrated that this run did not: closed, made inactive or deleted in WHMCS since. */
async function reportAccountRemovals(ctx: PhaseContext, migrated: IdSet): Promise<void> {
  const stale = (await storedAccountIds(ctx.reader, ctx.clientIds)).filter((id) => !migrated.has(id));
  if (stale.length === 0) return;
  const statuses = await readClientStatuses(ctx.source, stale);
  for (const clientId of stale) {
    const status = statuses.get(clientId) ?? null;
    const reason =
      status === null
        ? 'deleted-in-whmcs'
        : (clientSkipReason(status, ctx.mapping.clientStatuses) ?? 'failed');
    // Still in scope but not migrated: it failed in this run, and is counted there.
    if (reason === 'failed') continue;
    ctx.tally.result.removals.accounts.push({ clientId, status, reason });
    ctx.tally.record({
      entity: 'account',
      id: clientId,
      outcome: 'skipped',
      reason: `left the scope: ${reason}`,
    });
  }
}
