/**
 * Batched server upserts keyed on tblhosting.id (servers.legacy_whmcs_service_id). A batch is COPY-ed into a
 * temporary staging table on PostgreSQL (load-stage.ts), or travels as ONE jsonb parameter on the embedded
 * database (never a statement with tens of thousands of bind parameters), is compared with the target in the same
 * statement, and only rows that really differ are written: a rerun on an unchanged source reads the target and
 * touches no row (not even a row lock). A batch that fails is retried row by row under savepoints, so one bad
 * record fails alone and is reported with its error.
 */
import { getTableName, sql, type SQL } from 'drizzle-orm';
import { servers } from '../server/db/schema.ts';
import { batchInput, type Stage } from './load-stage.ts';
import { executeRows, ident, inBatchOrRowByRow, qualified, serverSumsSql, textArray } from './load.ts';
import type { BatchResult, Change, Tx, Writer } from './load.ts';

/** The servers columns a migration writes, in the order a batch sends them. */
const written = {
  legacyWhmcsServiceId: servers.legacyWhmcsServiceId,
  userId: servers.userId,
  name: servers.name,
  status: servers.status,
  planId: servers.planId,
  imageId: servers.imageId,
  locationId: servers.locationId,
  cpuCores: servers.cpuCores,
  memoryMb: servers.memoryMb,
  diskGb: servers.diskGb,
  ipAddress: servers.ipAddress,
  pveNode: servers.pveNode,
  pveVmid: servers.pveVmid,
  legacyAttributes: servers.legacyAttributes,
};
type WrittenKey = keyof typeof written;
const keys = Object.keys(written) as WrittenKey[];

/** One migrated server as the batch writes it: the servers insert type, every written column present. */
export type ServerRow = Required<Pick<typeof servers.$inferInsert, WrittenKey>> & {
  legacyWhmcsServiceId: number;
};

// Keel owns a server's live status once migrated: it is only re-derived when the WHMCS status changed. Every other
// written column is compared, and taken from the source when it differs.
const compared = keys.filter((k) => k !== 'legacyWhmcsServiceId' && k !== 'status');
const list = (names: string[]) => names.join(', ');
const on = (alias: string, ks: readonly WrittenKey[]) => ks.map((k) => qualified(alias, written[k]));
const inputOf = (ks: readonly WrittenKey[]) => ks.map((k) => `i.${ident(k)}`);
const whmcsStatus = (alias: string) => `${qualified(alias, servers.legacyAttributes)}->>'whmcsStatus'`;
const keyColumn = ident(servers.legacyWhmcsServiceId.name);
const table = ident(getTableName(servers));

// A batch's input: its rows in `keys` order, each column typed as the target's.
const stage: Stage = {
  name: 'keel_migrate_servers',
  columns: keys.map((k) => ({ name: k, type: written[k].getSQLType() })),
};
// The statement text is built once from the schema; only the batch's input changes. Only rows that differ from
// the target reach the INSERT, so an unchanged row is read, never locked or written. The last row returned
// carries the checksums of everything the batch sent (see serverSumsSql).
const upsertTail = `, differs as (
  select i.*, array_remove(array[${compared
    .map((k) => `case when ${qualified('o', written[k])} is distinct from i.${ident(k)} then '${k}' end`)
    .join(', ')}], null) as fields
  from input i left join ${table} o on ${qualified('o', servers.legacyWhmcsServiceId)} = i.${ident('legacyWhmcsServiceId')}
    -- A batch is one range of tblhosting ids: PostgreSQL reads that range of the index, never every server.
    and ${qualified('o', servers.legacyWhmcsServiceId)} between (select min(${ident('legacyWhmcsServiceId')}) from input)
      and (select max(${ident('legacyWhmcsServiceId')}) from input)
  where ${qualified('o', servers.id)} is null
     or (${list(on('o', compared))}) is distinct from (${list(inputOf(compared))})
), written as (
  insert into ${table} as s (${list(keys.map((k) => ident(written[k].name)))})
  select ${list(inputOf(keys))} from differs i
  on conflict (${keyColumn}) do update set
    ${list(
      keys
        .filter((k) => k !== 'legacyWhmcsServiceId')
        .map((k) => {
          const column = ident(written[k].name);
          return k === 'status'
            ? `${column} = case when ${whmcsStatus('s')} is distinct from ${whmcsStatus('excluded')} then excluded.${column} else ${qualified('s', servers.status)} end`
            : `${column} = excluded.${column}`;
        }),
    )}, ${ident(servers.updatedAt.name)} = now()
  where (${list(on('s', compared))}) is distinct from (${list(on('excluded', compared))})
  returning ${qualified('s', servers.legacyWhmcsServiceId)} as sid, (xmax = 0) as inserted
)
select w.sid, w.inserted, d.fields, null as sums
  from written w join differs d on d.${ident('legacyWhmcsServiceId')} = w.sid
union all select null, null, null, ${serverSumsSql('i', 'input')} from input i`;

async function upsertServersSql(db: Writer, rows: readonly ServerRow[]): Promise<SQL> {
  const input = await batchInput(
    db,
    stage,
    rows.map((r) => keys.map((k) => r[k])),
  );
  return sql`${input}${sql.raw(upsertTail)}`;
}

export interface ServersResult extends BatchResult<number> {
  /** Per updated server: the written columns that differed (schema keys, e.g. `cpuCores`). */
  fields: Map<number, string[]>;
  /** `count,sum…` strings of the checksums of the rows written (changed or not), one per statement. */
  sums: string[];
}

export async function upsertServers(tx: Tx, rows: readonly ServerRow[]): Promise<ServersResult> {
  const changes = new Map<number, Change>();
  const failures = new Map<number, string>();
  const sums: string[] = [];
  const fields = new Map<number, string[]>();
  await inBatchOrRowByRow(
    tx,
    rows,
    (r) => r.legacyWhmcsServiceId,
    async (db, part) => {
      const returned = await executeRows<{
        sid: number | null;
        inserted: boolean | null;
        sums: string | null;
        fields: string[] | null;
      }>(db, await upsertServersSql(db, part));
      for (const r of part) changes.set(r.legacyWhmcsServiceId, 'unchanged');
      for (const r of returned) {
        if (r.sums !== null) sums.push(r.sums);
        else {
          changes.set(Number(r.sid), r.inserted ? 'created' : 'updated');
          if (!r.inserted && r.fields) fields.set(Number(r.sid), textArray(r.fields));
        }
      }
    },
    failures,
    (row) => changes.delete(row.legacyWhmcsServiceId),
  );
  return { changes, failures, sums, fields };
}
