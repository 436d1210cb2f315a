/**
 * MSW handlers that speak tRPC's HTTP wire format (httpBatchLink, superjson), so component tests mock
 * the network edge and nothing of ours.
 */
import { http, HttpResponse } from 'msw';
import superjson from 'superjson';

/** Throw from a procedure to answer with an error the way Keel's errorFormatter shapes it. */
export class ApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly appCode: string,
    message: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
  }
}

const trpcCodes: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  422: 'UNPROCESSABLE_CONTENT',
  500: 'INTERNAL_SERVER_ERROR',
};

export type Procedure = (input: unknown, request: Request) => unknown;
export type Procedures = Record<string, Procedure>;

export interface CallLog {
  path: string;
  input: unknown;
  authorization: string | null;
}

/** Handlers for `/trpc/*`; every call is appended to `calls`. */
export function trpcHandlers(procedures: Procedures, calls: CallLog[] = []) {
  const handle = async ({ request }: { request: Request }) => {
    const url = new URL(request.url);
    const paths = decodeURIComponent(url.pathname.replace(/^\/trpc\//, '')).split(',');
    const batch = url.searchParams.get('batch') === '1';
    const rawInputs = (
      request.method === 'GET'
        ? JSON.parse(url.searchParams.get('input') ?? '{}')
        : await request.json().catch(() => ({}))
    ) as Record<string, { json?: unknown; meta?: unknown } | undefined>;
    const results = await Promise.all(
      paths.map(async (path, index) => {
        const raw = batch ? rawInputs[index] : rawInputs;
        const input = raw && 'json' in raw ? superjson.deserialize(raw as never) : undefined;
        calls.push({ path, input, authorization: request.headers.get('authorization') });
        const procedure = procedures[path];
        try {
          if (!procedure) throw new ApiError(404, 'NOT_FOUND', `No procedure ${path} in this test.`);
          const data = await procedure(input, request);
          return { status: 200, body: { result: { data: superjson.serialize(data) } } };
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          const shape = {
            message: err.message,
            code: -32000,
            data: {
              code: trpcCodes[err.httpStatus] ?? 'INTERNAL_SERVER_ERROR',
              httpStatus: err.httpStatus,
              path,
              appCode: err.appCode,
              fields: err.fields,
            },
          };
          return { status: err.httpStatus, body: { error: superjson.serialize(shape) } };
        }
      }),
    );
    const statuses = new Set(results.map((r) => r.status));
    const status = statuses.size === 1 ? results[0]!.status : 207;
    return HttpResponse.json(batch ? results.map((r) => r.body) : results[0]!.body, { status });
  };
  return [http.get('*/trpc/*', handle), http.post('*/trpc/*', handle)];
}
