import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookDelivery, WebhookEndpoint } from '../../../../shared/webhooks.ts';
import { admin, loginResult } from '../../../testing/fixtures.ts';
import { mockServer, renderApp } from '../../../testing/render-app.tsx';
import { ApiError, type Procedures } from '../../../testing/trpc-msw.ts';

beforeAll(() => mockServer.listen({ onUnhandledRequest: 'error' }));
afterAll(() => mockServer.close());

const chunk = { timeout: 15_000 };
const at = new Date('2026-01-01T10:00:00Z');
const endpoint: WebhookEndpoint = {
  id: '55555555-5555-4555-8555-555555555555',
  url: 'https://billing.example.com/keel',
  description: 'Billing',
  events: ['server.created', 'user.disabled'],
  active: true,
  createdAt: at,
  updatedAt: at,
};
const failed: WebhookDelivery = {
  id: 17,
  endpointId: endpoint.id,
  eventId: 'evt_0001',
  eventType: 'server.created',
  state: 'failed',
  attempts: 8,
  lastStatusCode: 503,
  lastError: 'The receiver answered 503',
  lastAttemptAt: at,
  nextAttemptAt: null,
  deliveredAt: null,
  createdAt: at,
};
const signedIn: Procedures = { 'auth.refresh': () => loginResult('admin.token.x', admin) };

describe('webhooks', () => {
  it('shows the signing secret once after creating an endpoint, and never again', async () => {
    const view = renderApp('/admin/webhooks', {
      ...signedIn,
      'adminWebhooks.list': () => ({ endpoints: [] }),
      'adminWebhooks.create': (input) => {
        if ((input as { url: string }).url.includes('bad'))
          throw new ApiError(400, 'VALIDATION_FAILED', 'Invalid request: url …', {
            url: 'must be an http:// or https:// URL without credentials in it',
          });
        return { endpoint, secret: 'whsec_s3cr3t' };
      },
    });
    await userEvent.click(await screen.findByRole('button', { name: 'New endpoint' }, chunk));
    const dialog = await screen.findByRole('dialog', { name: 'New endpoint' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Add endpoint' }));
    const events = within(dialog).getByRole('group', { name: 'Events' });
    expect(events).toHaveAccessibleDescription('Events must name at least one event.');
    expect(view.callsTo('adminWebhooks.create')).toHaveLength(0);

    await userEvent.type(within(dialog).getByLabelText('URL'), 'https://bad.example.com/');
    await userEvent.click(within(events).getByRole('checkbox', { name: 'user.disabled' }));
    await userEvent.click(within(events).getByRole('checkbox', { name: 'server.created' }));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Add endpoint' }));
    await waitFor(() =>
      expect(within(dialog).getByLabelText('URL')).toHaveAccessibleDescription(
        'URL must be an http:// or https:// URL without credentials in it.',
      ),
    );

    await userEvent.clear(within(dialog).getByLabelText('URL'));
    await userEvent.type(within(dialog).getByLabelText('URL'), endpoint.url);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Add endpoint' }));
    const shown = await screen.findByRole('dialog', { name: 'Endpoint added' });
    expect(within(shown).getByLabelText('Signing secret')).toHaveTextContent('whsec_s3cr3t');
    expect(within(shown).getByRole('alert')).toHaveTextContent('Keel does not show it again');
    expect(within(shown).getByRole('button', { name: 'Copy signing secret' })).toBeInTheDocument();
    // Events go in the API's order, whatever order they were ticked in.
    expect(view.callsTo('adminWebhooks.create').at(-1)?.input).toEqual({
      url: endpoint.url,
      description: '',
      events: ['server.created', 'user.disabled'],
      active: true,
    });

    await userEvent.click(within(shown).getByRole('button', { name: 'I have copied it' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(screen.queryByText('whsec_s3cr3t')).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'New endpoint' }));
    expect(await screen.findByRole('dialog', { name: 'New endpoint' })).not.toHaveTextContent('whsec_s3cr3t');
  });

  it('lists an endpoint’s deliveries with state and response code, and retries one now', async () => {
    const view = renderApp('/admin/webhooks', {
      ...signedIn,
      'adminWebhooks.list': () => ({ endpoints: [endpoint] }),
      'adminWebhooks.deliveries': () => ({ deliveries: [failed] }),
      'adminWebhooks.retryDelivery': () => ({
        delivery: { ...failed, state: 'pending', nextAttemptAt: new Date() },
      }),
    });
    const card = (await screen.findByRole('heading', { name: endpoint.url }, chunk)).closest('li')!;
    expect(within(card).getByText('Active')).toBeInTheDocument();
    const toggle = within(card).getByRole('button', { name: 'Show deliveries' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await userEvent.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const table = await within(card).findByRole('table', { name: 'Latest 20 deliveries' });
    expect(within(table).getByText('Failed')).toBeInTheDocument();
    expect(within(table).getByText('503')).toBeInTheDocument();
    expect(within(table).getByText('evt_0001')).toBeInTheDocument();
    expect(view.callsTo('adminWebhooks.deliveries')[0]?.input).toEqual({ id: endpoint.id, limit: 20 });

    await userEvent.click(
      within(table).getByRole('button', { name: 'Retry server.created delivery 17 now' }),
    );
    await waitFor(() =>
      expect(view.callsTo('adminWebhooks.retryDelivery').map((c) => c.input)).toEqual([{ id: 17 }]),
    );
  });
});
