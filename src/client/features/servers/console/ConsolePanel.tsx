/**
 * The server's web console: a one-time ticket from Keel, then noVNC over Keel's own WebSocket
 * (`wss://` when the page is https). noVNC is a chunk of its own, fetched on the first Connect.
 * Keel ends the console when another one of this server opens, the sign-in ends or the server stops;
 * the reason it sends with the close is shown.
 */
import type RFB from '@novnc/novnc';
import { useMutation } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Server } from '../../../../shared/api.ts';
import { Button } from '../../../components/Button.tsx';
import { describeError } from '../../../lib/errors.ts';
import { useTRPC } from '../../../lib/trpc.ts';

type Phase =
  | { kind: 'idle' }
  | { kind: 'connecting' }
  | { kind: 'connected'; name: string }
  | { kind: 'closed'; message: string };

/** The console's WebSocket URL on this page's host: the path Keel gave, ws or wss as the page is. */
export function consoleSocketUrl(path: string, location: Pick<Location, 'protocol' | 'host'>): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${path}`;
}

/** What to tell the user when the console closed with this WebSocket close code and reason. */
export function closeMessage(code: number, reason: string, clean: boolean): string {
  if (code >= 4000 && code < 5000 && reason) return reason;
  if (code === 1000 || clean) return 'The console was disconnected.';
  return 'The console connection was lost.';
}

export default function ConsolePanel({ server }: { server: Server }) {
  const trpc = useTRPC();
  const screenRef = useRef<HTMLDivElement>(null);
  const rfbRef = useRef<RFB | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const ticket = useMutation(trpc.servers.console.mutationOptions());
  const running = server.status === 'running';

  const disconnect = useCallback(() => {
    rfbRef.current?.disconnect();
    rfbRef.current = null;
  }, []);
  // Leaving the tab or the page ends the console.
  useEffect(() => disconnect, [disconnect]);
  // The server stopped or was suspended: Keel closes the console too; the screen says why.
  useEffect(() => {
    if (!running) disconnect();
  }, [running, disconnect]);

  const connect = async () => {
    setPhase({ kind: 'connecting' });
    try {
      const [{ default: NoVnc }, granted] = await Promise.all([
        import('@novnc/novnc'),
        ticket.mutateAsync({ id: server.id }),
      ]);
      const target = screenRef.current;
      if (!target) return;
      target.replaceChildren();
      const socket = new WebSocket(consoleSocketUrl(granted.path, window.location), ['binary']);
      let closedWith: { code: number; reason: string } | null = null;
      socket.addEventListener('close', (e) => (closedWith = { code: e.code, reason: e.reason }));
      const rfb = new NoVnc(target, socket, { shared: true });
      rfb.scaleViewport = true;
      rfb.background = 'rgb(15, 23, 42)';
      rfb.addEventListener('connect', () => {
        setPhase((p) => (p.kind === 'connecting' ? { kind: 'connected', name: server.name } : p));
        rfb.focus();
      });
      rfb.addEventListener('desktopname', (e) => setPhase({ kind: 'connected', name: e.detail.name }));
      rfb.addEventListener('disconnect', (e) => {
        if (rfbRef.current === rfb) rfbRef.current = null;
        const closed = closedWith;
        setPhase({
          kind: 'closed',
          message: closeMessage(closed?.code ?? 1006, closed?.reason ?? '', e.detail.clean),
        });
      });
      rfbRef.current = rfb;
    } catch (error) {
      setPhase({ kind: 'closed', message: describeError(error).message });
    }
  };

  const fullScreen = () => {
    void screenRef.current?.requestFullscreen?.().catch(() => undefined);
  };

  const live = phase.kind === 'connected' || phase.kind === 'connecting';
  return (
    <section aria-label="Console" className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p role="status" className="text-sm text-slate-600">
          {!running && phase.kind !== 'connected'
            ? server.status === 'suspended'
              ? 'This server is suspended; its console is closed.'
              : 'The console is available while the server is running.'
            : phase.kind === 'idle'
              ? 'Connect to see the server’s screen.'
              : phase.kind === 'connecting'
                ? 'Connecting…'
                : phase.kind === 'connected'
                  ? `Connected to ${phase.name}`
                  : phase.message}
        </p>
        <div role="group" aria-label="Console controls" className="flex flex-wrap gap-2">
          {live ? (
            <Button variant="secondary" size="sm" onClick={disconnect}>
              Disconnect
            </Button>
          ) : (
            <Button size="sm" disabled={!running} onClick={() => void connect()}>
              {phase.kind === 'closed' ? 'Reconnect' : 'Connect'}
            </Button>
          )}
          <Button
            variant="secondary"
            size="sm"
            disabled={phase.kind !== 'connected'}
            onClick={() => rfbRef.current?.sendCtrlAltDel()}
          >
            Ctrl-Alt-Del
          </Button>
          <Button variant="secondary" size="sm" disabled={phase.kind !== 'connected'} onClick={fullScreen}>
            Full screen
          </Button>
        </div>
      </div>
      <div
        ref={screenRef}
        data-testid="console-screen"
        className="aspect-[4/3] w-full overflow-hidden rounded-xl bg-slate-900"
      />
    </section>
  );
}
