/**
 * The deferred audit events of a job: written by the write that takes them, in their order, and given
 * back, still first, when that write fails. The writes here are the test's own functions, so no
 * database or PVE is reached: what is checked is which events each write is handed.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../db/audit.ts';
import type { Database } from '../db/client.ts';
import type { ClaimedJob } from '../jobs/queue.ts';
import type { PveClient } from '../pve/client.ts';
import { JobContext, NodeSlots, defaultTimings } from './job-context.ts';

const job = { id: 7, serverId: 's-1', kind: 'provision', requestId: 'r-1' } as unknown as ClaimedJob;
const context = () =>
  new JobContext(
    undefined as unknown as Database,
    undefined as unknown as PveClient,
    job,
    'worker-1',
    defaultTimings,
    new AbortController().signal,
    pino({ level: 'silent' }),
    new NodeSlots({ copy: 1, vm: 1 }),
    { acquire: () => Promise.resolve(), release: () => {} },
  );
const kinds = (events: readonly AuditEvent[]) => events.map((e) => e.kind);

describe('JobContext deferred audit events', () => {
  it('hands them, with the job’s ids, to the next write, once', async () => {
    const ctx = context();
    ctx.deferAudit({ kind: 'pve.task', message: 'clone: OK' });
    ctx.deferAudit({ kind: 'provision.configured', message: 'configured' });
    const first = await ctx.writingAudits((events) => Promise.resolve(events));
    expect(kinds(first)).toEqual(['pve.task', 'provision.configured']);
    expect(first[0]).toMatchObject({ serverId: 's-1', jobId: 7, requestId: 'r-1', actorUserId: null });
    expect(await ctx.writingAudits((events) => Promise.resolve(events))).toEqual([]);
  });

  it('gives them back, first and in order, when the write fails', async () => {
    const ctx = context();
    ctx.deferAudit({ kind: 'a', message: 'a' });
    ctx.deferAudit({ kind: 'b', message: 'b' });
    await expect(
      ctx.writingAudits(() => {
        // An event deferred while the write is under way comes after the ones it took.
        ctx.deferAudit({ kind: 'c', message: 'c' });
        return Promise.reject(new Error('connection lost'));
      }),
    ).rejects.toThrow('connection lost');
    expect(kinds(await ctx.writingAudits((events) => Promise.resolve(events)))).toEqual(['a', 'b', 'c']);
  });
});
