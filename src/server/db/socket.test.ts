import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveEmbeddedDatabase, type EmbeddedServer } from './socket.ts';

let pg: PGlite;
let server: EmbeddedServer;
let client: postgres.Sql;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits for the statement, or long enough for one that was not held back to have run. */
const settle = (statement: Promise<unknown>) => Promise.race([statement, pause(1500)]);

beforeAll(async () => {
  pg = await PGlite.create(join(mkdtempSync(join(tmpdir(), 'keel-socket-')), 'pglite'));
  await pg.exec('create table notes (id serial primary key, body text not null)');
  server = await serveEmbeddedDatabase(pg, 0, 60_000);
  client = postgres(server.url, { max: 2, onnotice: () => {} });
});
afterAll(async () => {
  await client.end();
  await server.close();
  await pg.close();
});

const count = async (body: string) =>
  Number(
    (await pg.query<{ n: number }>('select count(*)::int as n from notes where body = $1', [body])).rows[0]!
      .n,
  );

describe('the embedded database over the PostgreSQL protocol', () => {
  it('binds the loopback address and answers a client while the owner keeps using it', async () => {
    expect(server.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    await pg.query("insert into notes (body) values ('from keel')");
    const [row] = await client`select count(*)::int as n from notes where body = 'from keel'`;
    expect(row!.n).toBe(1);
    await client`insert into notes (body) values ('from psql')`;
    expect(await count('from psql')).toBe(1);
  });

  it("keeps the owner's statements out of a transaction a client rolls back", async () => {
    let keelWrite: Promise<unknown> | undefined;
    await client
      .begin(async (tx) => {
        await tx`insert into notes (body) values ('client, rolled back')`;
        keelWrite = pg.query("insert into notes (body) values ('keel, during the client transaction')");
        await settle(keelWrite);
        throw new Error('roll back');
      })
      .catch(() => {});
    await keelWrite;
    expect(await count('client, rolled back')).toBe(0);
    expect(await count('keel, during the client transaction')).toBe(1);
  });

  it("keeps a client's statements out of the owner's transaction", async () => {
    let seen: Promise<{ n: number }[]> | undefined;
    await pg
      .transaction(async (tx) => {
        await tx.query("insert into notes (body) values ('keel, rolled back')");
        seen = client`select count(*)::int as n from notes where body = 'keel, rolled back'`;
        await settle(seen);
        throw new Error('roll back');
      })
      .catch(() => {});
    expect((await seen!)[0]!.n).toBe(0);
  });

  it('rolls back a client transaction left idle, and the owner goes on', async () => {
    const impatient = await serveEmbeddedDatabase(pg, 0, 300);
    const idle = postgres(impatient.url, { max: 1, onnotice: () => {} });
    const reserved = await idle.reserve();
    await reserved`begin`;
    await reserved`insert into notes (body) values ('left idle')`;
    // Held back until the idle transaction is rolled back (after 0.3 s here), then it runs.
    await pg.query("insert into notes (body) values ('keel, after the idle one')");
    expect(await count('left idle')).toBe(0);
    expect(await count('keel, after the idle one')).toBe(1);
    reserved.release();
    await idle.end();
    await impatient.close();
  });
});
