/**
 * Ordering a server: the catalogue entries are checked, the quota and the location's capacity, then
 * the server row, its address and its provisioning job are written in one transaction.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { CreateServerInput, Server } from '../../../shared/api.ts';
import type { Database } from '../../db/client.ts';
import { emitServerEvent } from '../../db/events.ts';
import { allocateAddress } from '../../db/ipam.ts';
import { images, locations, plans, pveClusters, servers } from '../../db/schema.ts';
import { chooseNode, nodeCandidates } from '../../domain/placement.ts';
import { appError } from '../../errors.ts';
import type { PveClient } from '../../pve/client.ts';
import { keysFromKeychain } from '../ssh-keys.ts';
import { checkQuota, type Quota } from './quota.ts';
import { getServer } from './read.ts';
import { queueRequestedJob, type RequestInfo } from './request.ts';

/** The plan, image and location of an order, each open to orders, or VALIDATION_FAILED naming the others. */
async function orderableCatalog(db: Database, input: CreateServerInput) {
  const [[plan], [img], [loc]] = await Promise.all([
    db
      .select()
      .from(plans)
      .where(and(eq(plans.id, input.planId), eq(plans.active, true)))
      .limit(1),
    db
      .select()
      .from(images)
      .where(and(eq(images.id, input.imageId), eq(images.active, true)))
      .limit(1),
    db
      .select()
      .from(locations)
      .where(and(eq(locations.id, input.locationId), eq(locations.active, true)))
      .limit(1),
  ]);
  // A location on a retired cluster (active: false) takes no new servers, like a retired location.
  const [cluster] = loc?.clusterId
    ? await db
        .select({ active: pveClusters.active })
        .from(pveClusters)
        .where(eq(pveClusters.id, loc.clusterId))
        .limit(1)
    : [{ active: true }];
  const fields: Record<string, string> = {};
  if (loc && !cluster?.active) fields.locationId = 'does not name a location open to orders';
  if (!plan) fields.planId = 'does not name a plan open to orders';
  if (!img) fields.imageId = 'does not name an image open to orders';
  if (!loc) fields.locationId = 'does not name a location open to orders';
  if (!plan || !img || !loc || fields.locationId) {
    const message = `Invalid request: ${Object.entries(fields)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ')}`;
    throw appError('VALIDATION_FAILED', message, { fields });
  }
  return { plan, img, loc };
}

/**
 * Refuses an order no node of the location can take, so the customer hears it now rather than as a
 * failed server later. If PVE does not answer quickly the order is taken and the worker decides.
 */
async function checkCapacity(
  pve: PveClient,
  plan: { memoryMb: number },
  img: { pveTemplates: Record<string, number>; name: string },
  loc: { pveNodes: string[]; name: string },
): Promise<void> {
  let nodes;
  try {
    nodes = await pve.nodes({ retry: false, timeoutMs: 3000 });
  } catch {
    return;
  }
  const placement = chooseNode(nodeCandidates(loc.pveNodes, nodes, img.pveTemplates), plan.memoryMb);
  if (!placement.ok) {
    throw appError(
      'NO_CAPACITY',
      `${loc.name} cannot take this server now (${placement.reason}). Choose another plan or location.`,
    );
  }
}

export async function createServer(
  db: Database,
  info: RequestInfo,
  input: CreateServerInput,
  quota: Quota,
  /** The location's cluster, for the capacity check. */
  pve?: PveClient,
): Promise<Server> {
  const { plan, img, loc } = await orderableCatalog(db, input);
  const fromKeychain = await keysFromKeychain(db, info.userId, input.sshKeyIds ?? []);
  const keys = [...new Set([...(input.sshKeys ?? []), ...fromKeychain])];
  if (keys.length > 10)
    throw appError('VALIDATION_FAILED', 'Invalid request: sshKeys and sshKeyIds hold more than 10 keys', {
      fields: { sshKeyIds: 'hold more than 10 keys together with sshKeys' },
    });
  if (pve) await checkCapacity(pve, plan, img, loc);
  const id = await db.transaction(async (tx) => {
    // Serialises one user's orders, so two at once cannot both slip under the quota.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${info.userId}))`);
    await checkQuota(tx, info.userId, quota, plan);
    const [server] = await tx
      .insert(servers)
      .values({
        userId: info.userId,
        name: input.name,
        status: 'provisioning',
        planId: plan.id,
        imageId: img.id,
        locationId: loc.id,
        // The server's VM lives on its location's cluster for good, whatever the location becomes.
        clusterId: loc.clusterId,
        cpuCores: plan.cpuCores,
        memoryMb: plan.memoryMb,
        diskGb: plan.diskGb,
        sshKeys: keys,
      })
      .returning({ id: servers.id });
    const address = await allocateAddress(tx, loc.id, server!.id);
    if (!address) {
      throw appError(
        'CONFLICT',
        `${loc.name} has no free IP address right now. Try another location or contact support.`,
      );
    }
    await queueRequestedJob(tx, info, server!.id, 'provision', {
      kind: 'server.create',
      message: `Server ${input.name} ordered (${plan.name}, ${address})`,
    });
    await emitServerEvent(tx, 'server.created', server!.id);
    return server!.id;
  });
  return getServer(db, info.userId, id);
}
