/** Adopting an existing Proxmox VM: the operator's request and what Keel answers. */
import { z } from 'zod';
import { idSchema, serverSchema } from './api.ts';

export const adoptServerInputSchema = z
  .object({
    node: z
      .string()
      .regex(/^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,62})$/, { error: 'must be a PVE node name' })
      .describe('The PVE node the VM is on'),
    vmid: z
      .number({ error: 'must be a VMID' })
      .int({ error: 'must be a VMID' })
      .min(100, { error: 'must be a VMID (100 to 999999999)' })
      .max(999_999_999, { error: 'must be a VMID (100 to 999999999)' }),
    userId: idSchema.describe('The customer who will own the server'),
    planId: idSchema.optional(),
    imageId: idSchema.optional(),
    locationId: idSchema,
    ipAddress: z
      .ipv4({ error: 'must be an IPv4 address' })
      .optional()
      .describe("The VM's address; read from its cloud-init ipconfig0 or the guest agent when absent"),
  })
  .strict()
  .meta({ id: 'AdoptServerInput' });
export type AdoptServerInput = z.infer<typeof adoptServerInputSchema>;

export const adoptServerResultSchema = z
  .object({
    server: serverSchema,
    owner: z.object({ id: idSchema, email: z.string() }),
    /** Where the address was found: given, cloud-init, the guest agent, or none. */
    addressSource: z.enum(['given', 'cloud-init', 'agent', 'none']),
  })
  .meta({ id: 'AdoptServerResult' });
export type AdoptServerResult = z.infer<typeof adoptServerResultSchema>;
