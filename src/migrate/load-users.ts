/**
 * Batched user upserts, one Keel user per WHMCS login, keyed on its WHMCS id (users.legacy_whmcs_user_id, or
 * legacy_whmcs_client_id on installs older than WHMCS 8). Each login's accounts (tblclients rows) are merged into
 * users.legacy_attributes.whmcsAccounts; as for servers (load-servers.ts), a batch is COPY-ed into a staging table
 * (one jsonb parameter on the embedded database), only
 * what differs is written, and a failing batch is retried row by row.
 */
import { getTableName, sql, type SQL } from 'drizzle-orm';
import { users } from '../server/db/schema.ts';
import { batchInput, type Stage } from './load-stage.ts';
import { accountSumsSql, executeRows, ident, inBatchOrRowByRow, qualified, textArray } from './load.ts';
import type { BatchResult, Change, Tx, Writer } from './load.ts';
import type { AccountDetails } from './transform-accounts.ts';

type NewUser = typeof users.$inferInsert;

/** The WHMCS id a login is keyed on: its tblusers.id, or on old installs its tblclients.id. */
type LoginIds = Required<Pick<NewUser, 'legacyWhmcsUserId' | 'legacyWhmcsClientId'>>;

/** A login first met in this run, with the accounts of it met in this batch (by tblclients.id). */
export type UserRow = LoginIds &
  Required<Pick<NewUser, 'email' | 'name' | 'passwordHash'>> & { accounts: Record<string, AccountDetails> };

/** More accounts for a login already written earlier in the run: only its whmcsAccounts grow. */
export type AccountAppend = LoginIds & { accounts: Record<string, AccountDetails> };

type KeyColumn = typeof users.legacyWhmcsUserId | typeof users.legacyWhmcsClientId;

const table = ident(getTableName(users));
const col = qualified;
const accountsOf = (alias: string) =>
  `coalesce(${col(alias, users.legacyAttributes)}->'whmcsAccounts', '{}'::jsonb)`;
const mergeAccounts = (incoming: string) =>
  `jsonb_set(${col('u', users.legacyAttributes)}, '{whmcsAccounts}', ${accountsOf('u')} || ${incoming})`;
const isKeelHash = (alias: string) => `${col(alias, users.passwordHash)} like '$scrypt$%'`;

/**
 * Per input login: whether each of its accounts is new to the target or differs from what it holds. Shared by
 * the upsert and the append, so an account's outcome is decided by the database, in the same snapshot.
 */
const accountDiff = (key: KeyColumn) => `diff as (
    select i.*, ${col('u', users.id)} as existing_id, ${accountsOf('u')} as old_accounts,
      ${col('u', users.email)} as old_email, ${col('u', users.name)} as old_name, ${col('u', users.passwordHash)} as old_hash
    -- One index lookup per input login (offset 0 keeps it one, never a hash of every user: the staging table
    -- has no statistics).
    from input i left join lateral (select * from ${table} u where ${col('u', key)} = i.k offset 0) u on true
  ), acc as (
    select d.k,
      coalesce(array_agg(e.key) filter (where d.old_accounts->e.key is null), '{}') as new_accounts,
      coalesce(array_agg(e.key) filter (where d.old_accounts->e.key is not null
        and d.old_accounts->e.key is distinct from e.value), '{}') as changed_accounts
    from diff d cross join lateral jsonb_each(d.accounts) e group by d.k
  )`;

/** The returned rows: one per input login, then one carrying the checksums of the accounts sent. */
const outcome = (key: KeyColumn, id: string, inserted: string, passwordChanged: string) => `
  select d.k, ${id} as id, (w.k is not null) as written, ${inserted} as inserted,
    coalesce(a.new_accounts, '{}') as new_accounts, coalesce(a.changed_accounts, '{}') as changed_accounts,
    ${passwordChanged} as password_changed, null as sums
  from diff d left join acc a on a.k = d.k left join written w on w.k = d.k
  union all select null, null, null, null, null, null, null, ${accountSumsSql(`'${key === users.legacyWhmcsUserId ? 'u' : 'c'}' || i.k`)}
  from input i cross join lateral jsonb_each(i.accounts) e`;

const userColumns: Stage['columns'] = [
  { name: 'k', type: 'int' },
  { name: 'email', type: 'text' },
  { name: 'name', type: 'text' },
  { name: 'hash', type: 'text' },
  { name: 'accounts', type: 'jsonb' },
];
const appendColumns: Stage['columns'] = [
  { name: 'k', type: 'int' },
  { name: 'accounts', type: 'jsonb' },
];

// A password already rehashed to scrypt by a login is Keel's own and is never replaced by the WHMCS hash.
const upsertText = (key: KeyColumn) => ({
  stage: { name: 'keel_migrate_users', columns: userColumns },
  tail: `, ${accountDiff(key)}, written as (
    insert into ${table} as u (${[key, users.email, users.name, users.passwordHash, users.role, users.legacyAttributes].map((c) => ident(c.name)).join(', ')})
    select d.k, d.email, d.name, d.hash, 'customer', jsonb_build_object('whmcsAccounts', d.accounts)
    from diff d left join acc a on a.k = d.k
    where d.existing_id is null
       or (d.old_email, d.old_name) is distinct from (d.email, d.name)
       or (d.old_hash not like '$scrypt$%' and d.old_hash is distinct from d.hash)
       or cardinality(a.new_accounts) > 0 or cardinality(a.changed_accounts) > 0
    on conflict (${ident(key.name)}) do update set
      ${ident(users.email.name)} = excluded.${ident(users.email.name)},
      ${ident(users.name.name)} = excluded.${ident(users.name.name)},
      ${ident(users.passwordHash.name)} = case when ${isKeelHash('u')} then ${col('u', users.passwordHash)} else excluded.${ident(users.passwordHash.name)} end,
      ${ident(users.legacyAttributes.name)} = ${mergeAccounts(`(excluded.${ident(users.legacyAttributes.name)}->'whmcsAccounts')`)},
      ${ident(users.updatedAt.name)} = now()
    returning ${col('u', users.id)} as id, ${col('u', key)} as k, (xmax = 0) as inserted
  )${outcome(
    key,
    `coalesce(w.id, d.existing_id)`,
    'coalesce(w.inserted, false)',
    // The WHMCS hash replaced a different WHMCS hash: the customer changed their password in WHMCS.
    `(w.k is not null and d.existing_id is not null and d.old_hash not like '$scrypt$%' and d.old_hash is distinct from d.hash)`,
  )}`,
});

const appendText = (key: KeyColumn) => ({
  stage: { name: 'keel_migrate_user_accounts', columns: appendColumns },
  tail: `, ${accountDiff(key)}, written as (
    update ${table} u set ${ident(users.legacyAttributes.name)} = ${mergeAccounts('a.accounts')}, ${ident(users.updatedAt.name)} = now()
    from (select d.k, d.accounts from diff d join acc x on x.k = d.k
          where cardinality(x.new_accounts) > 0 or cardinality(x.changed_accounts) > 0) a
    where ${col('u', key)} = a.k
    returning ${col('u', key)} as k
  )${outcome(key, 'd.existing_id', 'false', 'false')}`,
});

// Built once from the schema, per key column; only the batch parameter changes.
const statements = {
  u: { upsert: upsertText(users.legacyWhmcsUserId), append: appendText(users.legacyWhmcsUserId) },
  c: { upsert: upsertText(users.legacyWhmcsClientId), append: appendText(users.legacyWhmcsClientId) },
} as const;

type Statement = { stage: Stage; tail: string };

/** The batch statement over its input (load-stage.ts: COPY-ed where the database allows, else one jsonb). */
async function withInput(db: Writer, text: Statement, input: Record<string, unknown>[]): Promise<SQL> {
  const rows = input.map((r) => text.stage.columns.map((c) => r[c.name]));
  return sql`${await batchInput(db, text.stage, rows)}${sql.raw(text.tail)}`;
}

export interface UsersResult extends BatchResult<string> {
  /** Keel user id per login key (`u<tblusers.id>` / `c<tblclients.id>`), for every login not failed. */
  ids: Map<string, string>;
  /** Per account (tblclients.id) written into whmcsAccounts: created or updated; absent = unchanged. */
  accountChanges: Map<number, Change>;
  /** `count,sum` checksums of the accounts written, one per statement. */
  accountSums: string[];
  /** Logins whose WHMCS password hash changed since the target was written. */
  passwordChanged: Set<string>;
}

interface UserReturned {
  k: number | null;
  sums: string | null;
  id: string | null;
  written: boolean;
  inserted: boolean;
  new_accounts: string[] | string;
  changed_accounts: string[] | string;
  password_changed: boolean | null;
}

/** The login key of a login's WHMCS ids: `u<tblusers.id>` or `c<tblclients.id>`. */
export const loginKeyOf = (r: LoginIds): string =>
  r.legacyWhmcsUserId !== null ? `u${r.legacyWhmcsUserId}` : `c${r.legacyWhmcsClientId}`;

/**
 * A login key as one int32, for what a run keeps per login (id-map.ts): the tblusers.id, or the tblclients.id
 * negated.
 */
export function loginCode(key: string): number {
  const m = /^([uc])(\d+)$/.exec(key);
  const id = m ? Number(m[2]) : NaN;
  if (!m || id < 1 || id > 0x7fffffff) throw new Error(`not a login key: ${key}`);
  return m[1] === 'u' ? id : -id;
}

/** The login key of a loginCode. */
export const loginKey = (code: number): string => (code > 0 ? `u${code}` : `c${-code}`);

/**
 * Upserts the logins first met in this batch (with their accounts) and appends the accounts met later for
 * logins written earlier in the run.
 */
export async function writeUsers(
  tx: Tx,
  rows: readonly UserRow[],
  appends: readonly AccountAppend[],
): Promise<UsersResult> {
  const out: UsersResult = {
    changes: new Map(),
    failures: new Map(),
    ids: new Map(),
    accountChanges: new Map(),
    accountSums: [],
    passwordChanged: new Set(),
  };
  const collect = (prefix: 'u' | 'c', returned: UserReturned[], counted: boolean) => {
    for (const r of returned) {
      if (r.k === null) {
        if (r.sums) out.accountSums.push(r.sums);
        continue;
      }
      const key = `${prefix}${r.k}`;
      if (r.id) out.ids.set(key, r.id);
      if (r.password_changed) out.passwordChanged.add(key);
      if (counted) out.changes.set(key, r.written ? (r.inserted ? 'created' : 'updated') : 'unchanged');
      for (const a of textArray(r.new_accounts)) out.accountChanges.set(Number(a), 'created');
      for (const a of textArray(r.changed_accounts)) out.accountChanges.set(Number(a), 'updated');
    }
  };
  for (const prefix of ['u', 'c'] as const) {
    const { upsert, append } = statements[prefix];
    const idOf = (r: LoginIds) => (prefix === 'u' ? r.legacyWhmcsUserId : r.legacyWhmcsClientId);
    const byKey = (r: LoginIds) => (prefix === 'u') === (r.legacyWhmcsUserId !== null);
    await inBatchOrRowByRow(
      tx,
      rows.filter(byKey),
      loginKeyOf,
      async (db, part) => {
        const input = part.map((r) => ({
          k: idOf(r),
          email: r.email,
          name: r.name,
          hash: r.passwordHash,
          accounts: r.accounts,
        }));
        collect(prefix, await executeRows<UserReturned>(db, await withInput(db, upsert, input)), true);
      },
      out.failures,
    );
    await inBatchOrRowByRow(
      tx,
      appends.filter(byKey),
      loginKeyOf,
      async (db, part) => {
        const input = part.map((r) => ({ k: idOf(r), accounts: r.accounts }));
        collect(prefix, await executeRows<UserReturned>(db, await withInput(db, append, input)), false);
      },
      out.failures,
    );
  }
  for (const k of out.failures.keys()) out.changes.delete(k);
  return out;
}
