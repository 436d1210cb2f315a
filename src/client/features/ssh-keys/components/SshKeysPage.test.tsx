import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredSshKey } from '../../../../shared/self-service.ts';
import { loginResult, storedSshKey } from '../../../testing/fixtures.ts';
import { mockServer, notifications, renderApp } from '../../../testing/render-app.tsx';
import { ApiError } from '../../../testing/trpc-msw.ts';

beforeAll(() => mockServer.listen({ onUnhandledRequest: 'error' }));
afterAll(() => mockServer.close());

function renderKeychain(initial: StoredSshKey[], create: (input: unknown) => unknown) {
  let keys = [...initial];
  const view = renderApp('/account/ssh-keys', {
    'auth.refresh': () => loginResult(),
    'sshKeys.list': () => ({ sshKeys: keys }),
    'sshKeys.create': (input) => {
      const made = create(input) as StoredSshKey;
      keys = [...keys, made];
      return { sshKey: made };
    },
    'sshKeys.delete': (input) => {
      keys = keys.filter((k) => k.id !== (input as { id: string }).id);
      return { ok: true };
    },
  });
  return view;
}

describe('SSH keychain', () => {
  it('lists the keys with their SHA256 fingerprints', async () => {
    const laptop = storedSshKey('laptop');
    renderKeychain([laptop], () => laptop);
    expect(
      await screen.findByRole('heading', { level: 1, name: 'SSH keys' }, { timeout: 5000 }),
    ).toBeInTheDocument();
    expect(await screen.findByText('laptop')).toBeInTheDocument();
    expect(screen.getByText(laptop.fingerprint)).toHaveTextContent(/^SHA256:/);
    expect(screen.getByText('ssh-ed25519 · 256 bits')).toBeInTheDocument();
  });

  it("shows the API's objection under the key field, then adds a good key", async () => {
    const desk = storedSshKey('desk');
    const { callsTo } = renderKeychain([], (input) => {
      const { publicKey } = input as { publicKey: string };
      if (!publicKey.startsWith('ssh-'))
        throw new ApiError(
          400,
          'VALIDATION_FAILED',
          'Invalid request: publicKey must be an OpenSSH public key',
          {
            publicKey: 'must be an OpenSSH public key (type, base64 and an optional comment)',
          },
        );
      return desk;
    });
    await screen.findByText('No keys yet. Add one to choose it for your servers.', {}, { timeout: 5000 });
    const name = screen.getByLabelText('Name');
    const key = screen.getByLabelText('Public key');
    await userEvent.click(screen.getByRole('button', { name: 'Add key' }));
    expect(name).toHaveAccessibleDescription('Name is required.');
    expect(callsTo('sshKeys.create')).toHaveLength(0);

    await userEvent.type(name, 'desk');
    await userEvent.type(key, 'not a key');
    await userEvent.click(screen.getByRole('button', { name: 'Add key' }));
    await waitFor(() => expect(key).toHaveAccessibleDescription(/^Public key must be an OpenSSH public key/));
    expect(key).toHaveAttribute('aria-invalid', 'true');

    await userEvent.clear(key);
    await userEvent.type(key, desk.publicKey);
    await userEvent.click(screen.getByRole('button', { name: 'Add key' }));
    expect(await screen.findByText(desk.fingerprint)).toBeInTheDocument();
    expect(callsTo('sshKeys.create').at(-1)?.input).toEqual({ name: 'desk', publicKey: desk.publicKey });
    expect(notifications()).toHaveTextContent(`Key desk added (${desk.fingerprint}).`);
    expect(key).toHaveValue('');
  });

  it('removes a key after confirmation', async () => {
    const old = storedSshKey('old-laptop');
    const { callsTo } = renderKeychain([old], () => old);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Remove old-laptop' }, { timeout: 5000 }),
    );
    const dialog = await screen.findByRole('alertdialog', { name: 'Remove old-laptop?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Remove key' }));
    await waitFor(() => expect(screen.queryByText('old-laptop')).not.toBeInTheDocument());
    expect(callsTo('sshKeys.delete')[0]?.input).toEqual({ id: old.id });
  });
});
