// The VNC proxies vncproxy starts: one listening port per call on the node (5900–5999, as
// PVE::Tools::next_vnc_port), which accepts one connection and then serves it until either side
// closes. vncwebsocket's upgrade connects the browser's WebSocket to it, as pveproxy's tcp_connect.

/** What the transport gives a proxy: the WebSocket's side. */
export interface VncClient {
  send(bytes: Buffer): void;
  /** Drops the connection (pveproxy closes the TCP connection when the proxy's socket ends). */
  close(): void;
}

/** What a proxy gives the transport: where the client's bytes go and where its close is told. */
export interface VncPeer {
  receive(bytes: Buffer): void;
  closed(): void;
}

export interface VncListener {
  node: string;
  vmid: number;
  port: number;
  /** The user vncproxy ran as, `user@realm` or `user@realm!token`. */
  user: string;
  upid: string;
  createdAt: number;
  state: 'listening' | 'connected';
  connectedAt?: number;
  /** Accepts the one connection the proxy serves (accept, then close of the listening socket). */
  connect: (client: VncClient) => VncPeer;
  /** Ends a connected session from the server side (the VM stopped, or another client took it). */
  disconnect?: () => void;
  stats?: () => Record<string, number>;
  /** ClientInit's shared flag, once the client sent it. */
  shared?: boolean;
}

export const VNC_PORT_FIRST = 5900;
export const VNC_PORT_END = 6000;

export class VncProxies {
  private readonly listeners = new Map<string, VncListener>();

  private key(node: string, port: number): string {
    return `${node}:${port}`;
  }

  /** next_unused_port(5900, 6000): the first port free on the node, or undefined. */
  freePort(node: string): number | undefined {
    for (let port = VNC_PORT_FIRST; port < VNC_PORT_END; port++)
      if (!this.listeners.has(this.key(node, port))) return port;
    return undefined;
  }

  add(listener: VncListener): void {
    this.listeners.set(this.key(listener.node, listener.port), listener);
  }

  remove(listener: VncListener): void {
    const key = this.key(listener.node, listener.port);
    if (this.listeners.get(key) === listener) this.listeners.delete(key);
  }

  /** The proxy listening on node:port, which then no longer accepts another connection. */
  accept(node: string, port: number): VncListener | undefined {
    const listener = this.listeners.get(this.key(node, port));
    if (listener?.state !== 'listening') return undefined;
    listener.state = 'connected';
    listener.connectedAt = Date.now();
    return listener;
  }

  sessions(node: string, vmid: number): VncListener[] {
    return [...this.listeners.values()].filter(
      (l) => l.node === node && l.vmid === vmid && l.state === 'connected',
    );
  }

  /** QEMU's VNC server went away with the VM: its clients are dropped. */
  vmStopped(node: string, vmid: number): void {
    for (const listener of this.sessions(node, vmid)) listener.disconnect?.();
  }

  /** For /_sim/state: every proxy, without its password or ticket. */
  list(): Record<string, unknown>[] {
    return [...this.listeners.values()].map((l) => ({
      node: l.node,
      vmid: l.vmid,
      port: l.port,
      user: l.user,
      upid: l.upid,
      state: l.state,
      createdAt: l.createdAt,
      ...(l.connectedAt !== undefined ? { connectedAt: l.connectedAt } : {}),
      ...(l.shared !== undefined ? { shared: l.shared } : {}),
      ...(l.stats ? l.stats() : {}),
    }));
  }

  closeAll(): void {
    for (const listener of this.listeners.values()) listener.disconnect?.();
    this.listeners.clear();
  }
}
