// The VNC console (Qemu.pm vncproxy / vncwebsocket, pve-access-control assemble_vnc_ticket /
// verify_vnc_ticket, pve-common Ticket.pm generate_vnc_password, qm.pm vncproxy): a `vncproxy` task
// listening on a port for 10 s, a ticket bound to user, VM and port, and behind it QEMU's VNC server,
// with the generated password as its VNC password.
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { TaskError } from '../tasks.ts';
import { RfbServer } from '../vnc/rfb-server.ts';
import { bootScreen, type Framebuffer } from '../vnc/screen.ts';
import type { VncClient, VncListener, VncPeer } from '../vnc/proxies.ts';
import { splitPropertyString } from '../formats.ts';
import type { Caller, Params, SimContext } from './context.ts';
import { SimHttpError, die } from './errors.ts';

/** The worker waits this long (wall time) for the client before it dies with `connection timed out`. */
export const VNC_ACCEPT_TIMEOUT_MS = 10_000;
/** verify_vnc_ticket → verify_rsa_ticket(…, -20, 40): a ticket is good for 40 s. */
const TICKET_MAX_AGE_S = 40;
const TICKET_MIN_AGE_S = -20;

const hexTime = (seconds: number): string => seconds.toString(16).toUpperCase().padStart(8, '0');

function sign(key: string, plain: string, secretData: string): string {
  return createHmac('sha256', key).update(`${plain}:${secretData}`).digest('base64');
}

/** assemble_vnc_ticket: `PVEVNC:<hex time>::<signature>`, the signature over `user:/vms/<vmid>:<port>`. */
export function assembleVncTicket(
  key: string,
  user: string,
  vmid: number,
  port: number,
  now = Date.now(),
): string {
  const plain = `PVEVNC:${hexTime(Math.floor(now / 1000))}`;
  return `${plain}::${sign(key, plain, `${user}:/vms/${vmid}:${port}`)}`;
}

/** verify_vnc_ticket: the `<password>:` prefix of a websocket ticket is dropped first. */
export function verifyVncTicket(
  key: string,
  ticket: string,
  user: string,
  vmid: number,
  port: number,
): boolean {
  const core = /^.{8}:(PVEVNC:.*)$/.exec(ticket)?.[1] ?? ticket;
  const m = /^(PVEVNC:\S+)::([^:\s]+)$/.exec(core);
  if (!m) return false;
  const expected = Buffer.from(sign(key, m[1] ?? '', `${user}:/vms/${vmid}:${port}`));
  const given = Buffer.from(m[2] ?? '');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return false;
  const time = /^PVEVNC:(?:\S+:)?([A-Z0-9]{8})$/.exec(m[1] ?? '')?.[1];
  if (!time) return false;
  const age = Math.floor(Date.now() / 1000) - parseInt(time, 16);
  return age > TICKET_MIN_AGE_S && age < TICKET_MAX_AGE_S;
}

/** generate_vnc_password: 8 random characters from '!' to '`'. */
export function generateVncPassword(): string {
  return Array.from({ length: 8 }, () => String.fromCharCode(randomInt(0x21, 0x61))).join('');
}

export const callerId = (caller: Caller): string =>
  caller.tokenid ? `${caller.user}!${caller.tokenid}` : caller.user;

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * POST …/vncproxy: checks only that the VM exists (a stopped VM gets its ticket too); the port is
 * listening before the answer (wait_for_vnc_port). With `websocket` (or without a serial display, or
 * with `generate-password`) a password is generated and prefixed to the ticket (`<password>:PVEVNC:…`).
 */
export function vncProxy(ctx: SimContext, p: Params, caller: Caller): Record<string, unknown> {
  const node = String(p.node);
  const vmid = Number(p.vmid);
  const vm = ctx.loadVm(node, vmid);
  const vgaType = splitPropertyString(String(vm.config.vga ?? '')).find(
    ([k]) => k === '' || k === 'type',
  )?.[1];
  const serial = vgaType !== undefined && /^serial\d+$/.test(vgaType);
  const user = callerId(caller);
  const port = ctx.vnc.freePort(node);
  if (port === undefined) throw die('unable to find free port (5900-6000)');
  let ticket = assembleVncTicket(ctx.state.secrets.ticketKey, user, vmid, port);
  let password: string | undefined;
  if (p['generate-password'] === 1 || !serial || p.websocket === 1) {
    password = generateVncPassword();
    ticket = `${password}:${ticket}`;
  }
  // Without a password vncterm authenticates with the ticket itself; the simulator's RFB server takes
  // the ticket as the VNC password then (of which VNC authentication uses the first 8 characters).
  const rfbPassword = password ?? ticket;
  const connected = deferred();
  const finished = deferred();
  const upid = ctx.startTask(node, 'vncproxy', String(vmid), caller, async () => {
    const outcome = await Promise.race([
      connected.promise.then(() => 'connected' as const),
      ctx.clock.sleepReal(VNC_ACCEPT_TIMEOUT_MS).then(() => 'timeout' as const),
    ]);
    if (outcome === 'timeout' && listener.state === 'listening') {
      ctx.vnc.remove(listener);
      throw new TaskError('connection timed out');
    }
    await finished.promise;
  });
  const log = (line: string): void => {
    ctx.tasks.find(upid)?.log.push(line);
  };
  const listener: VncListener = {
    node,
    vmid,
    port,
    user,
    upid,
    createdAt: Date.now(),
    state: 'listening',
    connect: (client) => {
      connected.resolve();
      return serveConsole(ctx, listener, client, rfbPassword, log, finished);
    },
  };
  ctx.vnc.add(listener);
  ctx.onChange();
  const result: Record<string, unknown> = { user, ticket, port, upid, cert: ctx.certPem };
  if (password !== undefined) result.password = password;
  return result;
}

/** `qm vncproxy` on the accepted connection: QEMU's VNC server, or its failure for a stopped VM. */
function serveConsole(
  ctx: SimContext,
  listener: VncListener,
  client: VncClient,
  password: string,
  log: (line: string) => void,
  finished: Deferred,
): VncPeer {
  const { node, vmid } = listener;
  const vm = ctx.state.vms[String(vmid)];
  if (!vm || vm.node !== node || vm.status !== 'running') {
    // assert_config_exists_on_node, then mon_cmd set_password on a VM without QEMU.
    log(
      vm?.node === node
        ? `VM ${vmid} not running`
        : `unable to find configuration file for VM ${vmid} on node '${node}'`,
    );
    ctx.vnc.remove(listener);
    setImmediate(() => client.close());
    finished.reject(new TaskError('Failed to run vncproxy.'));
    return { receive: () => undefined, closed: () => undefined };
  }
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    ctx.vnc.remove(listener);
    client.close();
    finished.resolve();
    ctx.onChange();
  };
  let screen: Framebuffer | undefined;
  const name = String(vm.config.name ?? `vm${vmid}`);
  const rfb = new RfbServer({
    password,
    desktopName: `QEMU (${name})`,
    screen: () => (screen ??= bootScreen(name, vmid, node)),
    send: (bytes) => client.send(bytes),
    close: () => end(),
    onClientInit: (shared) => {
      listener.shared = shared;
      // QEMU's default share policy (allow-exclusive): a non-shared client drops the others.
      if (!shared)
        for (const other of ctx.vnc.sessions(node, vmid)) if (other !== listener) other.disconnect?.();
    },
  });
  listener.disconnect = end;
  listener.stats = () => ({ ...rfb.events });
  rfb.start();
  return { receive: (bytes) => rfb.receive(bytes), closed: () => end() };
}

/**
 * GET …/vncwebsocket: the ticket must be this user's for this VM and port (401 `permission denied -
 * invalid PVEVNC ticket` otherwise), then the VM must exist. pveproxy upgrades only on a 200.
 */
export function vncWebsocket(ctx: SimContext, p: Params, caller: Caller): { port: string } {
  const vmid = Number(p.vmid);
  if (
    !verifyVncTicket(ctx.state.secrets.ticketKey, String(p.vncticket), callerId(caller), vmid, Number(p.port))
  )
    throw new SimHttpError(401, 'permission denied - invalid PVEVNC ticket');
  ctx.loadVm(String(p.node), vmid);
  return { port: String(p.port) };
}
