import { describe, expect, it } from 'vitest';
import { consoleCloseCodes } from '../../../../shared/console.ts';
import { closeMessage, consoleSocketUrl } from './ConsolePanel.tsx';

describe('consoleSocketUrl', () => {
  it.each([
    ['http:', 'localhost:3000', 'ws://localhost:3000/api/servers/x/console/ws?ticket=t'],
    // Behind a TLS-terminating proxy the page is https, so the socket is wss on the same host.
    ['https:', 'panel.example.com', 'wss://panel.example.com/api/servers/x/console/ws?ticket=t'],
  ])('%s//%s → %s', (protocol, host, url) => {
    expect(consoleSocketUrl('/api/servers/x/console/ws?ticket=t', { protocol, host })).toBe(url);
  });
});

describe('closeMessage', () => {
  it.each([
    [
      consoleCloseCodes.replaced,
      'A newer console of this server was opened.',
      false,
      'A newer console of this server was opened.',
    ],
    [consoleCloseCodes.sessionEnded, 'Your session has ended.', true, 'Your session has ended.'],
    [1000, '', true, 'The console was disconnected.'],
    [1006, '', false, 'The console connection was lost.'],
    [4003, '', false, 'The console connection was lost.'],
  ])('%i %j (clean %s) → %s', (code, reason, clean, message) => {
    expect(closeMessage(code, reason, clean)).toBe(message);
  });
});
