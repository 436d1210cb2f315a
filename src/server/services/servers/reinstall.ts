/**
 * Reinstalling a server from an image: same server id, address and plan, a fresh disk. The customer
 * confirms by typing the server's name; the worker makes the new VM before it removes the old one.
 */
import { and, eq } from 'drizzle-orm';
import type { Server } from '../../../shared/api.ts';
import type { ReinstallInput } from '../../../shared/self-service.ts';
import type { Database } from '../../db/client.ts';
import { images, servers } from '../../db/schema.ts';
import { templateFor } from '../../domain/placement.ts';
import { appError } from '../../errors.ts';
import { keysFromKeychain } from '../ssh-keys.ts';
import { lockForOperation } from './operation.ts';
import { getServer } from './read.ts';
import { queueRequestedJob, type RequestInfo } from './request.ts';
import { cryptPassword } from './root-password.ts';

const invalid = (field: string, problem: string) =>
  appError('VALIDATION_FAILED', `Invalid request: ${field} ${problem}`, { fields: { [field]: problem } });

export async function reinstallServer(
  db: Database,
  info: RequestInfo,
  input: ReinstallInput,
): Promise<Server> {
  const [image] = await db
    .select()
    .from(images)
    .where(and(eq(images.id, input.imageId), eq(images.active, true)))
    .limit(1);
  if (!image) throw invalid('imageId', 'does not name an image open to orders');
  const passwordHash = input.rootPassword ? cryptPassword(input.rootPassword) : undefined;
  await db.transaction(async (tx) => {
    const server = await lockForOperation(tx, info.userId, input.id, 'reinstall');
    if (input.confirmName !== server.name)
      throw invalid('confirmName', "does not match the server's name; type it exactly to confirm");
    const templateVmid = templateFor(image.pveTemplates, server.pveNode);
    if (templateVmid === null)
      throw appError('INVALID_STATE', `${image.name} is not available where this server runs.`);
    const [current] = await tx
      .select({ sshKeys: servers.sshKeys })
      .from(servers)
      .where(eq(servers.id, server.id));
    const sshKeys = input.sshKeyIds
      ? await keysFromKeychain(tx, info.userId, input.sshKeyIds)
      : (current?.sshKeys ?? []);
    await tx
      .update(servers)
      .set({ status: 'reinstalling', statusReason: null })
      .where(eq(servers.id, server.id));
    const audit = {
      kind: 'server.reinstall',
      message: `Reinstall with ${image.name} requested${passwordHash ? ', with a new root password' : ''}`,
      data: { imageId: image.id, fromImageId: server.imageId },
    };
    // The job's parameters: what to build, and the VM it replaces.
    const params = {
      imageId: image.id,
      imageName: image.name,
      templateVmid,
      sshKeys,
      ...(passwordHash ? { passwordHash } : {}),
      oldNode: server.pveNode,
      oldVmid: server.pveVmid,
      wasRunning: server.status === 'running',
    };
    await queueRequestedJob(tx, info, server.id, 'reinstall', audit, params);
  });
  return getServer(db, info.userId, input.id);
}
