import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventView } from '../../../../shared/admin.ts';
import { admin, loginResult, user } from '../../../testing/fixtures.ts';
import { mockServer, renderApp } from '../../../testing/render-app.tsx';

beforeAll(() => mockServer.listen({ onUnhandledRequest: 'error' }));
afterAll(() => mockServer.close());

const pageLoad = { timeout: 10_000 };
const serverId = '00000000-0000-4000-8000-0000000000aa';

function event(id: number, overrides: Partial<AuditEventView> = {}): AuditEventView {
  return {
    id,
    at: new Date('2026-01-31T12:00:00Z'),
    kind: 'server.suspend',
    message: `Event ${id}`,
    data: {},
    actor: { id: admin.id, email: admin.email },
    server: { id: serverId, name: 'web-1' },
    owner: { id: user.id, email: user.email },
    jobId: null,
    pveUpid: null,
    requestId: null,
    ...overrides,
  };
}

function renderAudit(path = '/admin/audit-log') {
  return renderApp(path, {
    'auth.refresh': () => loginResult('admin.token.x', admin),
    'admin.users.list': () => ({ users: [], nextCursor: null }),
    'admin.audit.list': (input) => {
      const cursor = (input as { cursor?: string }).cursor;
      return cursor
        ? { events: [event(1, { actor: null, message: 'Reconciled' })], nextCursor: null }
        : { events: [event(3), event(2)], nextCursor: 'page-2' };
    },
  });
}

describe('audit log', () => {
  it('links each event to its server and people, and pages back with the cursor', async () => {
    const view = renderAudit();
    const table = await screen.findByRole('table', { name: 'Audit events, newest first' }, pageLoad);
    const [, first] = within(table).getAllByRole('row');
    expect(within(first!).getByRole('link', { name: 'web-1' })).toHaveAttribute(
      'href',
      `/admin/servers/${serverId}`,
    );
    expect(within(first!).getByRole('link', { name: user.email })).toHaveAttribute(
      'href',
      `/admin/customers/${user.id}`,
    );
    expect(within(first!).getByRole('link', { name: admin.email })).toHaveAttribute(
      'href',
      `/admin/customers/${admin.id}`,
    );

    await userEvent.click(screen.getByRole('button', { name: 'Show older events' }));
    expect(await screen.findByText('Reconciled')).toBeInTheDocument();
    expect(view.callsTo('admin.audit.list').map((c) => c.input)).toEqual([
      { limit: 100 },
      { limit: 100, cursor: 'page-2' },
    ]);
    expect(screen.queryByRole('button', { name: 'Show older events' })).not.toBeInTheDocument();
    expect(within(table).getAllByRole('row').at(-1)).toHaveTextContent('Keel');
  });

  it('puts the filters in the address and sends them to the API', async () => {
    const view = renderAudit();
    await screen.findByRole('table', {}, pageLoad);
    await userEvent.type(screen.getByLabelText('Kind'), 'server.*');
    await userEvent.type(screen.getByLabelText('Server ID'), serverId);
    await userEvent.click(screen.getByRole('button', { name: 'Filter' }));
    await waitFor(() =>
      expect(Object.fromEntries(new URLSearchParams(window.location.search))).toEqual({
        kind: 'server.*',
        server: serverId,
      }),
    );
    await waitFor(() =>
      expect(view.callsTo('admin.audit.list').at(-1)?.input).toEqual({
        limit: 100,
        kind: 'server.*',
        serverId,
      }),
    );
  });

  it('opens from /admin/audit with its filters', async () => {
    const view = renderAudit(`/admin/audit?server=${serverId}`);
    await screen.findByRole('table', {}, pageLoad);
    expect(window.location.pathname).toBe('/admin/audit-log');
    expect(view.callsTo('admin.audit.list')[0]!.input).toEqual({ limit: 100, serverId });
  });
});
