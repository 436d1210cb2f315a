/**
 * A first start against a real cluster: the first administrator, and what the catalogue still lacks
 * before customers can order.
 */
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { images, ipPools, locations, plans, users } from '../../db/schema.ts';
import { createUser, UserExistsError } from '../users.ts';

/** Creates an administrator with a random password when there is none; null when one exists. */
export async function ensureFirstAdmin(
  db: Database,
  email: string,
): Promise<{ email: string; password: string } | null> {
  const [admin] = await db.select({ id: users.id }).from(users).where(eq(users.role, 'admin')).limit(1);
  if (admin) return null;
  const password = randomBytes(15).toString('base64url');
  try {
    await createUser(db, { email, password, name: 'Administrator', role: 'admin' });
  } catch (err) {
    // Another process made it first, or the address belongs to a customer: never promote one silently.
    if (err instanceof UserExistsError) return null;
    throw err;
  }
  return { email, password };
}

/** The parts of the catalogue with no active entry yet; empty when customers can order. */
export async function catalogueGaps(db: Database): Promise<string[]> {
  const [plan, image, location, pool] = await Promise.all([
    db.select({ id: plans.id }).from(plans).where(eq(plans.active, true)).limit(1),
    db.select({ id: images.id }).from(images).where(eq(images.active, true)).limit(1),
    db.select({ id: locations.id }).from(locations).where(eq(locations.active, true)).limit(1),
    db.select({ id: ipPools.id }).from(ipPools).limit(1),
  ]);
  return [
    plan.length ? null : 'plans',
    image.length ? null : 'images',
    location.length ? null : 'locations',
    pool.length ? null : 'ip-pools',
  ].filter((g): g is string => g !== null);
}
