/**
 * Limits the server and the dashboard's client must agree on. Kept apart from `api.ts` so the client can
 * import them without pulling Zod and every schema into the customer's first download.
 */

/** The most calls one tRPC request may batch; the dashboard's batch link sends no more. */
export const trpcMaxBatchSize = 10;
