/**
 * A new root password for a server. Keel makes (or takes) the password, turns it into a SHA-512
 * crypt(3) hash at once and forgets it: the job carries only the hash, which PVE passes to the guest
 * as it is (the agent's `chpasswd -e`, or cloud-init's `password:`). The password itself is in the
 * response, once, and nowhere else.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { encrypt } from 'unixcrypt';
import type { Server } from '../../../shared/api.ts';
import type { Database } from '../../db/client.ts';
import { lockForOperation } from './operation.ts';
import { getServer } from './read.ts';
import { queueRequestedJob, type RequestInfo } from './request.ts';

/** Letters and digits without the ones people misread (0/O, 1/l/I). */
const alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A random password of `length` characters: 20 from 57 is about 116 bits. */
export function generatePassword(length = 20): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** crypt(3) SHA-512 (`$6$`) with a 16-character random salt, as `mkpasswd -m sha-512` makes. */
export function cryptPassword(password: string): string {
  const salt = randomBytes(12).toString('base64').replace(/\+/g, '.');
  return encrypt(password, `$6$${salt}`);
}

export async function setRootPassword(
  db: Database,
  info: RequestInfo,
  input: { id: string; password?: string | undefined },
): Promise<{ server: Server; password: string }> {
  const password = input.password ?? generatePassword();
  const hash = cryptPassword(password);
  await db.transaction(async (tx) => {
    const server = await lockForOperation(tx, info.userId, input.id, 'change the root password of');
    await queueRequestedJob(
      tx,
      info,
      server.id,
      'root_password',
      {
        kind: 'server.root_password',
        message: `New root password requested (${input.password ? 'chosen' : 'generated'})`,
      },
      { passwordHash: hash, wasRunning: server.status === 'running' },
    );
  });
  return { server: await getServer(db, info.userId, input.id), password };
}
