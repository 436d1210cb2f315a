/**
 * The web console's contract: a one-time ticket the browser presents when it opens the console's
 * WebSocket, and what a console session may close with.
 */
import { z } from 'zod';

/** How long a console ticket may wait for its WebSocket. */
export const consoleTicketTtlSeconds = 30;

export const consoleTicketSchema = z
  .object({
    ticket: z.string().describe('One-time ticket: opens one console, once, within `expiresAt`'),
    path: z
      .string()
      .describe(
        'Where to open the WebSocket, on this host: `ws://` or, behind TLS, `wss://` + host + path (it carries the ticket)',
      ),
    expiresAt: z.date(),
  })
  .meta({ id: 'ConsoleTicket' });
export type ConsoleTicket = z.infer<typeof consoleTicketSchema>;

/**
 * WebSocket close codes (4000–4999 are the application's): why Keel ended a console. The dashboard shows
 * the reason Keel sends with the code.
 */
export const consoleCloseCodes = {
  /** A newer console of the same user on the same server took over. */
  replaced: 4001,
  /** The sign-in ended: signed out, the session revoked, or the account gone. */
  sessionEnded: 4002,
  /** The server stopped running (or was suspended, or terminated). */
  serverNotRunning: 4003,
  /** Proxmox VE ended the console or could not be reached. */
  upstreamClosed: 4004,
  /** Keel is shutting down. */
  shuttingDown: 4005,
} as const;
