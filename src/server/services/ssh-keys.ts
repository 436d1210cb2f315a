/**
 * The account's SSH keychain: public keys a customer keeps to choose from when ordering or
 * reinstalling. Every query is scoped to the owner; another account's key is simply not found.
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { CreateSshKeyInput, StoredSshKey } from '../../shared/self-service.ts';
import { idSchema } from '../../shared/api.ts';
import { parseSshPublicKey } from '../../shared/ssh-key.ts';
import { recordAudit } from '../db/audit.ts';
import type { Database, Tx } from '../db/client.ts';
import { sshKeys } from '../db/schema.ts';
import { sshFingerprint, sshKeyBits } from '../domain/ssh-fingerprint.ts';
import { appError } from '../errors.ts';
import type { RequestInfo } from './servers/request.ts';

/** More keys than anybody keeps; a bound on what one account can store. */
export const maxSshKeysPerUser = 50;

type Row = typeof sshKeys.$inferSelect;

function toStored(row: Row): StoredSshKey {
  const parsed = parseSshPublicKey(row.publicKey);
  return {
    id: row.id,
    name: row.name,
    publicKey: row.publicKey,
    type: parsed.ok ? parsed.key.type : row.publicKey.split(' ', 1)[0]!,
    bits: parsed.ok ? sshKeyBits(parsed.key.type, parsed.key.blob) : 0,
    fingerprint: row.fingerprint,
    createdAt: row.createdAt,
  };
}

const keyNotFound = () => appError('NOT_FOUND', 'No SSH key with this id exists in your account.');

export async function listSshKeys(db: Database, userId: string): Promise<StoredSshKey[]> {
  const rows = await db
    .select()
    .from(sshKeys)
    .where(eq(sshKeys.userId, userId))
    .orderBy(asc(sshKeys.createdAt), asc(sshKeys.id));
  return rows.map(toStored);
}

export async function getSshKey(db: Database, userId: string, id: string): Promise<StoredSshKey> {
  if (!idSchema.safeParse(id).success) throw keyNotFound();
  const [row] = await db
    .select()
    .from(sshKeys)
    .where(and(eq(sshKeys.id, id), eq(sshKeys.userId, userId)))
    .limit(1);
  if (!row) throw keyNotFound();
  return toStored(row);
}

export async function createSshKey(
  db: Database,
  info: RequestInfo,
  input: CreateSshKeyInput,
): Promise<StoredSshKey> {
  // The schema gave the canonical form of a valid key; parse it again for its blob.
  const parsed = parseSshPublicKey(input.publicKey);
  if (!parsed.ok)
    throw appError('VALIDATION_FAILED', `Invalid request: publicKey ${parsed.problem}`, {
      fields: { publicKey: parsed.problem },
    });
  const fingerprint = sshFingerprint(parsed.key.blob);
  return db.transaction(async (tx) => {
    const mine = await tx
      .select({ id: sshKeys.id, fingerprint: sshKeys.fingerprint, name: sshKeys.name })
      .from(sshKeys)
      .where(eq(sshKeys.userId, info.userId))
      .for('update');
    const same = mine.find((k) => k.fingerprint === fingerprint);
    if (same)
      throw appError('CONFLICT', `This key is already in your keychain as "${same.name}" (${fingerprint}).`);
    if (mine.length >= maxSshKeysPerUser)
      throw appError(
        'QUOTA_EXCEEDED',
        `Your keychain holds at most ${maxSshKeysPerUser} keys; delete one you no longer use.`,
      );
    const [row] = await tx
      .insert(sshKeys)
      .values({ userId: info.userId, name: input.name, publicKey: parsed.key.canonical, fingerprint })
      .onConflictDoNothing()
      .returning();
    if (!row) throw appError('CONFLICT', `This key is already in your keychain (${fingerprint}).`);
    await recordAudit(tx, {
      kind: 'ssh_key.create',
      message: `SSH key "${input.name}" added (${fingerprint})`,
      actorUserId: info.userId,
      requestId: info.requestId,
      data: { sshKeyId: row.id, fingerprint },
    });
    return toStored(row);
  });
}

export async function deleteSshKey(db: Database, info: RequestInfo, id: string): Promise<void> {
  if (!idSchema.safeParse(id).success) throw keyNotFound();
  await db.transaction(async (tx) => {
    const [row] = await tx
      .delete(sshKeys)
      .where(and(eq(sshKeys.id, id), eq(sshKeys.userId, info.userId)))
      .returning();
    if (!row) throw keyNotFound();
    await recordAudit(tx, {
      kind: 'ssh_key.delete',
      message: `SSH key "${row.name}" deleted (${row.fingerprint})`,
      actorUserId: info.userId,
      requestId: info.requestId,
      data: { sshKeyId: row.id, fingerprint: row.fingerprint },
    });
  });
}

/**
 * The public keys of the owner's keychain entries `ids`, in that order; VALIDATION_FAILED naming
 * `field` when one is not theirs (or does not exist): the same answer either way.
 */
export async function keysFromKeychain(
  db: Database | Tx,
  userId: string,
  ids: readonly string[],
  field = 'sshKeyIds',
): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ id: sshKeys.id, publicKey: sshKeys.publicKey })
    .from(sshKeys)
    .where(and(eq(sshKeys.userId, userId), inArray(sshKeys.id, [...ids])));
  const byId = new Map(rows.map((r) => [r.id, r.publicKey]));
  const missing = ids.findIndex((id) => !byId.has(id));
  if (missing >= 0) {
    const problem = 'does not name a key in your keychain';
    throw appError('VALIDATION_FAILED', `Invalid request: ${field}.${missing} ${problem}`, {
      fields: { [`${field}.${missing}`]: problem },
    });
  }
  return ids.map((id) => byId.get(id)!);
}
