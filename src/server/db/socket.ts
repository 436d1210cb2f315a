/**
 * Serves the embedded database over the PostgreSQL wire protocol on 127.0.0.1, so `psql` and
 * `pnpm db:studio` can look at it while Keel runs (PGlite is one process's database: nothing else may
 * open its folder). There is no password: the port is bound to the loopback address only.
 *
 * PGlite is a single session shared by Keel and every socket client, so the clients are kept out of
 * Keel's transactions and Keel out of theirs: each client statement waits for Keel's transaction in
 * progress, and a transaction a client opens holds Keel's statements until it ends, or is rolled back
 * after `idleInTransactionMs` without a statement (as PostgreSQL's idle_in_transaction_session_timeout).
 */
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedServer {
  /** A connection string for psql, drizzle-kit or any PostgreSQL client. */
  url: string;
  close(): Promise<void>;
}

export const embeddedDatabaseUrl = (port: number) => `postgres://postgres@127.0.0.1:${port}/postgres`;

/** A simple-protocol Query message: 'Q', its length, the SQL, a NUL. */
function queryMessage(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`);
  const message = Buffer.alloc(5 + text.length);
  message.write('Q', 0);
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return message;
}

/** The part of PGlite the socket server uses, with Keel's transactions kept apart from the clients'. */
function sharedSession(pg: PGlite, idleInTransactionMs: number) {
  let release: (() => void) | null = null;
  let idleTimer: NodeJS.Timeout | undefined;

  /** Takes PGlite's transaction lock (waiting for Keel's transaction in progress) and keeps it. */
  async function hold(): Promise<void> {
    if (release) return;
    await new Promise<void>((held) => {
      void pg._runExclusiveTransaction(
        () =>
          new Promise<void>((done) => {
            release = () => {
              release = null;
              done();
            };
            held();
          }),
      );
    });
  }

  /** Ends a client's transaction from our side; the lock is already ours. */
  async function rollback(): Promise<void> {
    clearTimeout(idleTimer);
    if (pg.isInTransaction()) await pg.runExclusive(() => pg.execProtocol(queryMessage('ROLLBACK')));
    release?.();
  }

  const db = {
    get waitReady() {
      return pg.waitReady;
    },
    isInTransaction: () => pg.isInTransaction(),
    execProtocolRawStream: pg.execProtocolRawStream.bind(pg),
    async runExclusive<T>(fn: () => Promise<T>): Promise<T> {
      clearTimeout(idleTimer);
      await hold();
      try {
        return await pg.runExclusive(fn);
      } finally {
        if (pg.isInTransaction()) idleTimer = setTimeout(() => void rollback(), idleInTransactionMs);
        else release?.();
      }
    },
    // The socket server calls this only to roll back the transaction of a client that went away.
    async exec(sql: string): Promise<void> {
      if (sql.trim().toUpperCase() !== 'ROLLBACK')
        throw new Error(`unexpected statement from the socket: ${sql}`);
      await rollback();
    },
  };
  return { db, end: rollback };
}

export async function serveEmbeddedDatabase(
  pg: PGlite,
  port: number,
  idleInTransactionMs = 30_000,
): Promise<EmbeddedServer> {
  const session = sharedSession(pg, idleInTransactionMs);
  const server = new PGLiteSocketServer({
    db: session.db as unknown as PGlite,
    host: '127.0.0.1',
    port,
    maxConnections: 16,
  });
  let bound = port;
  server.addEventListener('listening', (event) => {
    bound = (event as CustomEvent<{ port: number }>).detail.port;
  });
  await server.start();
  return {
    url: embeddedDatabaseUrl(bound),
    close: async () => {
      await server.stop();
      await session.end();
    },
  };
}
