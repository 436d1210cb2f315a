/**
 * The contract of a customer's self-service on their servers and account: the SSH keychain, reinstall,
 * root password, resize and snapshots. Inputs and outputs for tRPC, REST, OpenAPI and the dashboard.
 */
import { z } from 'zod';
import {
  hostnameSchema,
  idSchema,
  serverIdInputSchema,
  serverSchema,
  sshKeySchema,
  withoutNul,
} from './api.ts';

// -- the SSH keychain ---------------------------------------------------------------------------------

export const sshKeyNameSchema = z
  .string()
  .trim()
  .min(1, { error: 'is required' })
  .max(100, { error: 'must be at most 100 characters' })
  .regex(/^[\x20-\x7e]+$/, { error: 'must be printable ASCII (letters, digits, punctuation, spaces)' });

export const createSshKeyInputSchema = z
  .strictObject({ name: sshKeyNameSchema, publicKey: sshKeySchema })
  .meta({ id: 'CreateSshKeyRequest' });
export type CreateSshKeyInput = z.infer<typeof createSshKeyInputSchema>;

export const storedSshKeySchema = z
  .object({
    id: idSchema,
    name: z.string(),
    publicKey: z.string().describe('The key in its canonical form: `type base64 [comment]`'),
    type: z.string().describe('The key type, e.g. ssh-ed25519'),
    bits: z.number().int().describe('The key size, as `ssh-keygen -l` prints it first'),
    fingerprint: z.string().describe('`SHA256:…`, as `ssh-keygen -l` prints it'),
    createdAt: z.date(),
  })
  .meta({ id: 'SshKey' });
export type StoredSshKey = z.infer<typeof storedSshKeySchema>;

export const sshKeyListSchema = z.object({ sshKeys: z.array(storedSshKeySchema) }).meta({ id: 'SshKeyList' });
export const sshKeyResultSchema = z.object({ sshKey: storedSshKeySchema }).meta({ id: 'SshKeyResponse' });
export const sshKeyIdInputSchema = z.strictObject({ id: z.string().max(200) });

/** Keys chosen from the keychain, by id. */
export const sshKeyIdsSchema = z
  .array(idSchema)
  .max(10, { error: 'must hold at most 10 keys' })
  .refine((ids) => new Set(ids).size === ids.length, { error: 'must not name a key twice' });

// -- root password ------------------------------------------------------------------------------------

/**
 * A root password the customer chooses: long enough to resist guessing, and printable ASCII only, so
 * that every guest's chpasswd and console take it as typed.
 */
export const rootPasswordSchema = z
  .string()
  .min(12, { error: 'must be at least 12 characters' })
  .max(128, { error: 'must be at most 128 characters' })
  .regex(/^[\x21-\x7e]+$/, { error: 'must be printable ASCII without spaces' });

export const rootPasswordInputSchema = serverIdInputSchema
  .extend({
    password: rootPasswordSchema
      .optional()
      .describe('The new password; without it Keel generates one. Either way it is shown once.'),
  })
  .meta({ id: 'RootPasswordRequest' });

export const rootPasswordResultSchema = z
  .object({
    server: serverSchema,
    password: z
      .string()
      .describe(
        'The new root password, shown only here, once; Keel keeps no copy. The guest agent sets it at once; without an answering agent, cloud-init does at the next boot (a running server is rebooted).',
      ),
  })
  .meta({ id: 'RootPasswordResponse' });
export type RootPasswordResult = z.infer<typeof rootPasswordResultSchema>;

// -- reinstall ----------------------------------------------------------------------------------------

export const reinstallInputSchema = serverIdInputSchema
  .extend({
    imageId: idSchema,
    confirmName: hostnameSchema.describe("The server's name, typed again to confirm that its disk is erased"),
    sshKeyIds: sshKeyIdsSchema.optional(),
    rootPassword: rootPasswordSchema.optional(),
  })
  .meta({ id: 'ReinstallRequest' });
export type ReinstallInput = z.infer<typeof reinstallInputSchema>;

// -- resize -------------------------------------------------------------------------------------------

export const resizeInputSchema = serverIdInputSchema
  .extend({ planId: idSchema })
  .meta({ id: 'ResizeRequest' });

// -- snapshots ----------------------------------------------------------------------------------------

/** PVE's `pve-configid` for a snapshot name, as Keel lets customers name them. */
export const snapshotNameSchema = z
  .string()
  .trim()
  .min(2, { error: 'must be at least 2 characters' })
  .max(40, { error: 'must be at most 40 characters' })
  .regex(/^[a-zA-Z][a-zA-Z0-9_-]+$/, {
    error: 'must start with a letter and hold only letters, digits, - and _',
  })
  .refine((name) => !['current', 'pending', 'vzdump'].includes(name.toLowerCase()), {
    error: 'is a reserved name',
  });

export const snapshotSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    createdAt: z.date().nullable(),
    /** False while PVE is still taking or deleting it. */
    complete: z.boolean(),
  })
  .meta({ id: 'Snapshot' });
export type Snapshot = z.infer<typeof snapshotSchema>;

export const snapshotListSchema = z
  .object({
    snapshots: z.array(snapshotSchema).describe('Oldest first'),
    limit: z.number().int().describe("How many the server's plan allows at once"),
    /** The snapshot operation under way, if any: the dashboard polls while it is set. */
    pending: z.enum(['create', 'rollback', 'delete']).nullable(),
  })
  .meta({ id: 'SnapshotList' });
export type SnapshotList = z.infer<typeof snapshotListSchema>;

export const createSnapshotInputSchema = serverIdInputSchema
  .extend({
    name: snapshotNameSchema,
    description: withoutNul(
      z
        .string()
        .max(200, { error: 'must be at most 200 characters' })
        .regex(/^[^\r\n]*$/, { error: 'must be one line' }),
    ).optional(),
  })
  .meta({ id: 'CreateSnapshotRequest' });

export const snapshotRefInputSchema = serverIdInputSchema.extend({ name: z.string().max(200) });
