/**
 * The floor for `pnpm bench:api`: the least a Node service can do to answer `GET /api/servers` as Keel
 * does. node:http, postgres.js (prepared statements, its default) and jose: verify the bearer token
 * (HS256, issuer, audience), run the same two statements Keel runs (the token's user, then the page of
 * servers; their SQL is captured from Keel's own code path by bench/api.ts) and write the same JSON.
 *
 * Env: PORT, DATABASE_URL, JWT_SECRET, FLOOR_SQL (a JSON file: [{ query, parameters }] and the user id
 * that stands for the token's subject in the parameters).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { jwtVerify } from 'jose';
import postgres from 'postgres';

interface Captured {
  userId: string;
  statements: { query: string; parameters: unknown[] }[];
}

const env = process.env as Record<string, string>;
const captured = JSON.parse(readFileSync(env.FLOOR_SQL!, 'utf8')) as Captured;
const [userStatement, listStatement] = captured.statements;
const secret = new TextEncoder().encode(env.JWT_SECRET);
const sql = postgres(env.DATABASE_URL!, { max: 10, onnotice: () => {}, connection: { TimeZone: 'UTC' } });
const bind = (parameters: unknown[], sub: string) =>
  parameters.map((p) => (p === captured.userId ? sub : p)) as never[];

function send(res: http.ServerResponse, status: number, body: unknown) {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}

// The columns in the order Keel's select lists them (services/servers/read.ts publicServerColumns).
type Row = [
  string,
  string,
  string,
  string | null,
  number,
  number,
  number,
  string | null,
  Date,
  Date,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
];

async function answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  try {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!match) return send(res, 401, { error: { code: 'UNAUTHORIZED' } });
    const { payload } = await jwtVerify(match[1]!, secret, {
      algorithms: ['HS256'],
      issuer: 'keel',
      audience: 'keel-api',
      requiredClaims: ['sub', 'exp', 'iat'],
    });
    const sub = payload.sub!;
    const users = await sql
      .unsafe(userStatement!.query, bind(userStatement!.parameters, sub), { prepare: true })
      .values();
    if (!users.length) return send(res, 401, { error: { code: 'UNAUTHORIZED' } });
    const rows = (await sql
      .unsafe(listStatement!.query, bind(listStatement!.parameters, sub), { prepare: true })
      .values()) as unknown as Row[];
    send(res, 200, {
      servers: rows.map((r) => ({
        id: r[0],
        name: r[1],
        status: r[2],
        statusReason: r[3],
        cpuCores: r[4],
        memoryMb: r[5],
        diskGb: r[6],
        ipAddress: r[7],
        image: r[10] ? { id: r[10], slug: r[11], name: r[12] } : null,
        location: r[13] ? { id: r[13], slug: r[14], name: r[15] } : null,
        progress: null,
        createdAt: r[8],
        updatedAt: r[9],
      })),
      nextCursor: null,
    });
  } catch {
    send(res, 401, { error: { code: 'UNAUTHORIZED' } });
  }
}

const server = http.createServer((req, res) => void answer(req, res));
server.keepAliveTimeout = 65_000;
server.listen(Number(env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
