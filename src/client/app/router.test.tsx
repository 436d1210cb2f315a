import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../shared/api.ts';
import { admin, loginResult, server, user } from '../testing/fixtures.ts';
import { mockServer, renderApp } from '../testing/render-app.tsx';
import { ApiError, type Procedures } from '../testing/trpc-msw.ts';

beforeAll(() => mockServer.listen({ onUnhandledRequest: 'error' }));
afterAll(() => mockServer.close());

const web = server({ name: 'web-1' });
const noSession = () => {
  throw new ApiError(401, 'UNAUTHORIZED', 'Your session has ended. Sign in again.');
};
const pages: Procedures = {
  'servers.list': () => ({ servers: [web], nextCursor: null }),
  'servers.byId': () => ({ server: web, events: [] }),
  'users.me': (_input, request) => ({
    user: request.headers.get('authorization')?.includes('admin') ? admin : user,
  }),
};

/** Opens `path` without a session, signs in as `who`, and waits for the app to leave the sign-in page. */
async function signInAt(path: string, who: User = user) {
  const view = renderApp(path, {
    ...pages,
    'auth.refresh': noSession,
    'auth.login': () => loginResult(who.role === 'admin' ? 'admin.token.x' : 'customer.token.x', who),
  });
  await screen.findByRole('heading', { name: 'Sign in' });
  await userEvent.type(screen.getByLabelText('Email'), who.email);
  await userEvent.type(screen.getByLabelText('Password'), 'right-password{Enter}');
  await waitFor(() => expect(window.location.pathname).not.toBe('/login'));
  return view;
}

describe('sign-in redirect', () => {
  it('comes back to /servers with its query string and shows the server list', async () => {
    await signInAt('/servers?x=y');
    expect(await screen.findByRole('heading', { level: 1, name: 'Servers' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'web-1' })).toBeInTheDocument();
    expect(window.location.pathname).toBe('/servers');
    expect(window.location.search).toBe('?x=y');
    expect(document.title).toBe('Servers · Keel');
  });

  it.each([
    ['/', '/servers', 'Servers'],
    ['/servers', '/servers', 'Servers'],
    [`/servers/${web.id}`, `/servers/${web.id}`, 'web-1'],
    ['/account', '/account', 'Account'],
  ])('resolves %s for a customer', async (path, landing, heading) => {
    await signInAt(path);
    expect(await screen.findByRole('heading', { level: 1, name: heading })).toBeInTheDocument();
    expect(window.location.pathname).toBe(landing);
  });

  it.each([
    ['/admin', 'Overview'],
    ['/admin/catalogue', 'Catalogue'],
    ['/admin/customers', 'Customers'],
    ['/admin/servers', 'Servers'],
    ['/admin/audit-log', 'Audit log'],
    ['/admin/webhooks', 'Webhooks'],
  ])('resolves %s for an admin', async (path, section) => {
    await signInAt(path, admin);
    // Each section is a lazy chunk of its own; the first render of one may take a while on a busy machine.
    expect(
      await screen.findByRole('heading', { level: 2, name: section }, { timeout: 15_000 }),
    ).toBeInTheDocument();
    expect(window.location.pathname).toBe(path);
  });

  it('answers an unknown address with "Page not found" once signed in', async () => {
    await signInAt('/no/such/page');
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
    expect(window.location.pathname).toBe('/no/such/page');
  });

  it('forgets the page after a deliberate sign-out, so the next person starts afresh', async () => {
    renderApp(`/servers/${web.id}`, {
      ...pages,
      'auth.refresh': () => loginResult(),
      'auth.logout': () => ({ ok: true }),
    });
    await screen.findByRole('heading', { level: 1, name: 'web-1' });
    await userEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(window.location.pathname + window.location.search).toBe('/login');
  });
});

describe('operator console guard', () => {
  it('shows a customer who types /admin the not-found page, and no way into the console', async () => {
    renderApp('/admin/customers', { ...pages, 'auth.refresh': () => loginResult() });
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
    expect(screen.queryByRole('navigation', { name: 'Operator console' })).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Operator console' })).not.toBeInTheDocument();
    expect(document.title).toBe('Page not found · Keel');
    // Still the customer's own dashboard around it.
    expect(screen.getByRole('link', { name: 'Servers' })).toBeInTheDocument();
  });

  it.each(['/admin', '/admin/catalogue?tab=images', `/admin/customers/${user.id}`, '/admin/webhooks'])(
    'answers a customer at %s with the not-found page, without asking the operator API anything',
    async (path) => {
      const view = renderApp(path, { ...pages, 'auth.refresh': () => loginResult() });
      expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
      expect(screen.queryByRole('navigation', { name: 'Operator console' })).not.toBeInTheDocument();
      expect(view.calls.filter((call) => call.path.startsWith('admin'))).toEqual([]);
    },
  );

  it('shows an admin the catalogue, loaded from the operator API', async () => {
    const view = renderApp('/admin/catalogue', {
      ...pages,
      'auth.refresh': () => loginResult('admin.token.x', admin),
      'adminCatalogue.plans.list': () => ({ plans: [], nextCursor: null }),
    });
    expect(await screen.findByRole('tab', { name: 'Plans' }, { timeout: 15_000 })).toHaveAttribute(
      'aria-selected',
      'true',
    );
    expect(await screen.findByRole('heading', { name: 'No plans yet' })).toBeInTheDocument();
    expect(view.callsTo('adminCatalogue.plans.list')[0]?.authorization).toBe('Bearer admin.token.x');
    expect(document.title).toBe('Catalogue · Operator console · Keel');
  });

  it('shows an admin the console shell with its sections', async () => {
    renderApp('/servers', { ...pages, 'auth.refresh': () => loginResult('admin.token.x', admin) });
    await userEvent.click(await screen.findByRole('link', { name: 'Operator console' }));
    const sections = await screen.findByRole('navigation', { name: 'Operator console' });
    expect(
      within(sections)
        .getAllByRole('link')
        .map((link) => link.textContent),
    ).toEqual(['Overview', 'Catalogue', 'Customers', 'Servers', 'Audit log', 'Webhooks']);
    expect(within(sections).getByRole('link', { name: 'Overview' })).toHaveAttribute('aria-current', 'page');
    expect(window.location.pathname).toBe('/admin');

    await userEvent.click(within(sections).getByRole('link', { name: 'Audit log' }));
    expect(
      await screen.findByRole('heading', { level: 2, name: 'Audit log' }, { timeout: 10_000 }),
    ).toBeInTheDocument();
    expect(within(sections).getByRole('link', { name: 'Audit log' })).toHaveAttribute('aria-current', 'page');
    expect(within(sections).getByRole('link', { name: 'Overview' })).not.toHaveAttribute('aria-current');
    expect(window.location.pathname).toBe('/admin/audit-log');
    expect(document.title).toBe('Audit log · Operator console · Keel');
  });
});

describe('account page', () => {
  it('shows the profile as the API knows it, read-only', async () => {
    renderApp('/account', { ...pages, 'auth.refresh': () => loginResult() });
    const tab = await screen.findByRole('tab', { name: 'Profile' });
    expect(tab).toHaveAttribute('aria-selected', 'true');
    const panel = screen.getByRole('tabpanel', { name: 'Profile' });
    expect(await within(panel).findByText(user.email)).toBeInTheDocument();
    expect(within(panel).getByText('Ada Lovelace')).toBeInTheDocument();
    expect(within(panel).getByText('Customer')).toBeInTheDocument();
    expect(within(panel).queryByRole('textbox')).not.toBeInTheDocument();
  });
});
