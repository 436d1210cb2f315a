import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { emailSchema, newPasswordSchema, type User, type UserRole } from '../../shared/api.ts';
import { hashPassword } from '../auth/password.ts';
import type { Database } from '../db/client.ts';
import { emitEvent } from '../db/events.ts';
import { users } from '../db/schema.ts';

export const publicUserColumns = { id: users.id, email: users.email, name: users.name, role: users.role };

export interface NewUser {
  email: string;
  password: string;
  name?: string | undefined;
  role?: UserRole;
}

export class UserExistsError extends Error {}

export async function createUser(db: Database, input: NewUser): Promise<User> {
  const email = emailSchema.parse(input.email);
  newPasswordSchema.parse(input.password);
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const [user] = await tx
      .insert(users)
      .values({ email, name: input.name ?? '', role: input.role ?? 'customer', passwordHash })
      .onConflictDoNothing({ target: users.email })
      .returning(publicUserColumns);
    if (!user) throw new UserExistsError(`A user with the email ${email} already exists.`);
    await emitEvent(tx, 'user.created', { user });
    return user;
  });
}

export const demoEmail = 'demo@keel.local';

/** Creates the embedded install's demo customer once; returns its password only when it was just made. */
export async function ensureDemoUser(db: Database): Promise<{ email: string; password: string } | null> {
  const [existing] = await db.select({ id: users.id }).from(users).where(eq(users.email, demoEmail)).limit(1);
  if (existing) return null;
  const password = randomBytes(12).toString('base64url');
  try {
    await createUser(db, { email: demoEmail, password, name: 'Demo Customer' });
  } catch (err) {
    if (err instanceof UserExistsError) return null;
    throw err;
  }
  return { email: demoEmail, password };
}
