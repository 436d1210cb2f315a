/**
 * Adopting a VM Keel did not make: an operator links an existing Proxmox VM to a customer. Nothing on the VM's
 * disk is touched; Keel reads its config (cores, memory, boot disk size, the cloud-init or guest-agent address),
 * tags it with the Keel id the way provisioning does (`keel`, `keel-<server id>`), registers its address in
 * IPAM, and from then on manages it like any other server (power actions, termination).
 */
import { and, eq, sql } from 'drizzle-orm';
import type { AdoptServerInput, AdoptServerResult } from '../../../shared/adopt.ts';
import { recordAudit } from '../../db/audit.ts';
import type { Database, Tx } from '../../db/client.ts';
import { images, ipAddresses, locations, plans, servers, users } from '../../db/schema.ts';
import { isUniqueViolation } from '../../db/pg-errors.ts';
import { adoptedSpecs, agentAddress, cloudInitAddress, type VmConfig } from '../../domain/adopted-vm.ts';
import { appError } from '../../errors.ts';
import type { PveClient } from '../../pve/client.ts';
import { PveError } from '../../pve/errors.ts';
import { onCluster } from '../../pve/registry.ts';
import { pveTags } from '../../pve/tags.ts';
import { getServer } from '../servers/read.ts';

export interface AdoptDeps {
  db: Database;
  pve: PveClient | undefined;
}

export interface Actor {
  userId: string;
  requestId: string;
}

const invalid = (fields: Record<string, string>) =>
  appError(
    'VALIDATION_FAILED',
    `Invalid request: ${Object.entries(fields)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ')}`,
    { fields },
  );

/** The customer, location, plan and image the request names, or VALIDATION_FAILED naming each missing one. */
async function references(db: Database, input: AdoptServerInput) {
  const one = async <T>(rows: Promise<T[]>) => (await rows)[0];
  const [owner, loc, plan, image] = await Promise.all([
    one(db.select({ id: users.id, email: users.email }).from(users).where(eq(users.id, input.userId))),
    one(
      db
        .select({ id: locations.id, clusterId: locations.clusterId })
        .from(locations)
        .where(eq(locations.id, input.locationId)),
    ),
    input.planId ? one(db.select({ id: plans.id }).from(plans).where(eq(plans.id, input.planId))) : null,
    input.imageId ? one(db.select({ id: images.id }).from(images).where(eq(images.id, input.imageId))) : null,
  ]);
  const fields: Record<string, string> = {};
  if (!owner) fields.userId = 'does not name a user';
  if (!loc) fields.locationId = 'does not name a location';
  if (input.planId && !plan) fields.planId = 'does not name a plan';
  if (input.imageId && !image) fields.imageId = 'does not name an image';
  if (Object.keys(fields).length > 0 || !owner || !loc) throw invalid(fields);
  return { owner, clusterId: loc.clusterId };
}

/** The live server holding this VMID on this cluster (null: the default one). */
async function liveOwnerOf(db: Database | Tx, vmid: number, clusterId: string | null) {
  const [row] = await db
    .select({ id: servers.id, name: servers.name })
    .from(servers)
    .where(and(sql`${servers.pveVmid} = ${vmid} and ${servers.terminatedAt} is null`, onCluster(clusterId)))
    .limit(1);
  return row;
}

const owned = (vmid: number, server: { id: string; name: string }) =>
  appError('CONFLICT', `VM ${vmid} is already managed by Keel as server ${server.id} (${server.name}).`, {
    fields: { vmid: `is already server ${server.id}` },
  });

/** PVE's answer, or the API error an operator can act on: the VM is not there, or PVE cannot be asked. */
async function fromPve<T>(input: AdoptServerInput, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof PveError && err.kind === 'not_found')
      throw appError('NOT_FOUND', `There is no VM ${input.vmid} on node ${input.node}.`, {
        fields: { vmid: `is not a VM on node ${input.node}` },
      });
    if (err instanceof PveError)
      throw appError('UNAVAILABLE', `Proxmox VE did not answer as expected: ${err.message}`);
    throw err;
  }
}

/** The address held by no other server: allocated from the pool row that has it, else recorded outside pools. */
async function registerAddress(tx: Tx, serverId: string, address: string): Promise<void> {
  const [row] = await tx
    .select({ id: ipAddresses.id, serverId: ipAddresses.serverId })
    .from(ipAddresses)
    .where(eq(ipAddresses.address, address))
    .for('update')
    .limit(1);
  if (row?.serverId)
    throw appError('CONFLICT', `The address ${address} is held by another server (${row.serverId}).`, {
      fields: { ipAddress: `is held by server ${row.serverId}` },
    });
  if (row)
    await tx
      .update(ipAddresses)
      .set({ serverId, allocatedAt: sql`now()`, primary: true })
      .where(eq(ipAddresses.id, row.id));
  else await tx.insert(ipAddresses).values({ poolId: null, address, serverId, allocatedAt: sql`now()` });
}

export async function adoptServer(
  deps: AdoptDeps,
  actor: Actor,
  input: AdoptServerInput,
): Promise<AdoptServerResult> {
  const { db, pve } = deps;
  // The VM is on the location's cluster; `pve` is that cluster's client.
  const { owner, clusterId } = await references(db, input);
  // The install's state, not a fault: nothing can be adopted until Keel is connected to a cluster.
  if (!pve)
    throw appError('INVALID_STATE', 'Proxmox VE is not configured (PVE_URL): there is no VM to adopt.');
  const already = await liveOwnerOf(db, input.vmid, clusterId);
  if (already) throw owned(input.vmid, already);

  const config = (await fromPve(input, () => pve.vmConfig(input.node, input.vmid))) as VmConfig;
  if (Number(config.template ?? 0) === 1)
    throw appError(
      'INVALID_STATE',
      `VM ${input.vmid} is a template: a template cannot be adopted (clone it, then adopt the clone).`,
      { fields: { vmid: 'is a template' } },
    );
  const specs = adoptedSpecs(config, input.vmid);
  if (specs.diskGb <= 0)
    throw appError('INVALID_STATE', `VM ${input.vmid} has no disk Keel can size.`, {
      fields: { vmid: 'has no disk with a size' },
    });
  const status = await fromPve(input, () => pve.vmStatus(input.node, input.vmid));
  let addressSource: AdoptServerResult['addressSource'] = 'none';
  let address: string | null = null;
  if (input.ipAddress) [address, addressSource] = [input.ipAddress, 'given'];
  else if ((address = cloudInitAddress(config))) addressSource = 'cloud-init';
  else if (status.status === 'running' && String(config.agent ?? '0').startsWith('1')) {
    // The agent may not be running in the guest: then the VM is adopted without an address.
    address = await pve.agentInterfaces(input.node, input.vmid).then(agentAddress, () => null);
    if (address) addressSource = 'agent';
  }

  let id: string;
  try {
    id = await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(servers)
        .values({
          userId: input.userId,
          name: specs.name,
          status: status.status === 'running' ? 'running' : 'stopped',
          planId: input.planId ?? null,
          imageId: input.imageId ?? null,
          locationId: input.locationId,
          clusterId,
          cpuCores: specs.cpuCores,
          memoryMb: specs.memoryMb,
          diskGb: specs.diskGb,
          ipAddress: address,
          pveNode: input.node,
          pveVmid: input.vmid,
          legacyAttributes: {
            adopted: { node: input.node, vmid: input.vmid, disk: specs.disk, addressSource },
          },
        })
        .returning({ id: servers.id });
      const serverId = row!.id;
      if (address) await registerAddress(tx, serverId, address);
      await recordAudit(tx, {
        kind: 'server.adopted',
        message: `Adopted VM ${input.vmid} on ${input.node} for ${owner.email}: ${specs.cpuCores} vCPU, ${specs.memoryMb} MB, ${specs.diskGb} GB${address ? `, ${address} (${addressSource})` : ', no address'}`,
        serverId,
        actorUserId: actor.userId,
        requestId: actor.requestId,
        data: { node: input.node, vmid: input.vmid, addressSource },
      });
      // Tagged last, inside the transaction: a refused tag leaves no server row behind.
      await fromPve(input, () =>
        pve.updateVmConfig(input.node, input.vmid, {
          tags: pveTags([String(config.tags ?? ''), 'keel', `keel-${serverId}`]),
        }),
      );
      return serverId;
    });
  } catch (err) {
    if (isUniqueViolation(err, 'servers_pve_vmid_key')) {
      const holder = await liveOwnerOf(db, input.vmid, clusterId);
      if (holder) throw owned(input.vmid, holder);
    }
    throw err;
  }
  return { server: await getServer(db, input.userId, id), owner, addressSource };
}
