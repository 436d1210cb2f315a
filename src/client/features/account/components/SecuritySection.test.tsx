/**
 * Account → Security against mocked procedures at the network edge: turning two-factor sign-in on (QR
 * code, secret, a wrong then a right first code, recovery codes shown once) and off.
 */
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TwoFactorStatus } from '../../../../shared/two-factor.ts';
import { loginResult, user } from '../../../testing/fixtures.ts';
import { mockServer, renderApp } from '../../../testing/render-app.tsx';
import { ApiError } from '../../../testing/trpc-msw.ts';

beforeAll(async () => {
  mockServer.listen({ onUnhandledRequest: 'error' });
  // The account page is a lazily loaded route chunk; load it once here so no test's first wait includes the import.
  await import('../../../app/AccountRoute.tsx');
});
afterAll(() => mockServer.close());

const codes = Array.from({ length: 10 }, (_, i) => `code${i}-abcde`);
const pixel =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

function renderSecurity(initial: Partial<TwoFactorStatus> = {}) {
  let status: TwoFactorStatus = {
    enabled: false,
    enabledAt: null,
    recoveryCodesLeft: 0,
    required: false,
    ...initial,
  };
  const view = renderApp('/account', {
    'auth.refresh': () => loginResult(),
    'users.me': () => ({ user }),
    'twoFactor.status': () => status,
    'twoFactor.enrol': () => ({
      secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
      otpauthUri: 'otpauth://totp/Keel:ada?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
      qrCodeDataUrl: pixel,
    }),
    'twoFactor.confirm': (input) => {
      if ((input as { code: string }).code !== '135790')
        throw new ApiError(400, 'VALIDATION_FAILED', 'Invalid request', {
          code: 'is not the current code of this authenticator',
        });
      status = { enabled: true, enabledAt: new Date(), recoveryCodesLeft: 10, required: false };
      return { recoveryCodes: codes };
    },
    'twoFactor.disable': (input) => {
      const { password } = input as { password: string };
      if (password !== 'my-password')
        throw new ApiError(401, 'INVALID_CREDENTIALS', 'The password is not correct.');
      status = { enabled: false, enabledAt: null, recoveryCodesLeft: 0, required: false };
      return { ok: true };
    },
  });
  return view;
}

async function openSecurity() {
  await userEvent.click(await screen.findByRole('tab', { name: 'Security' }, { timeout: 5000 }));
  return screen.findByRole('region', { name: 'Two-factor sign-in' });
}

describe('Account → Security', () => {
  it('turns two-factor sign-in on: QR code, a first code, then the recovery codes once', async () => {
    const { callsTo } = renderSecurity();
    const section = await openSecurity();
    await userEvent.click(within(section).getByRole('button', { name: 'Turn on two-factor sign-in' }));

    const qr = await within(section).findByRole('img', {
      name: 'QR code to add Keel to your authenticator app',
    });
    expect(qr).toHaveAttribute('src', pixel);
    expect(within(section).getByLabelText('Secret key')).toHaveTextContent(
      'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
    );

    const codeField = within(section).getByLabelText('Code from the app');
    await userEvent.type(codeField, '12{Enter}');
    expect(codeField).toHaveAccessibleDescription('Enter the 6-digit code the app shows.');
    expect(callsTo('twoFactor.confirm')).toHaveLength(0);
    await userEvent.clear(codeField);
    await userEvent.type(codeField, '000000{Enter}');
    expect(
      await within(section).findByText('That code is not right. Enter the one the app shows now.'),
    ).toBeVisible();

    await userEvent.clear(codeField);
    await userEvent.type(codeField, '135790{Enter}');
    const list = await within(section).findByRole('list', { name: 'Recovery codes' });
    expect(
      within(list)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(codes);
    expect(within(section).getByRole('button', { name: 'Copy the recovery codes' })).toBeInTheDocument();
    expect(within(section).queryByRole('img')).not.toBeInTheDocument();

    await userEvent.click(within(section).getByRole('button', { name: 'I have saved them' }));
    expect(await within(section).findByText(/10 recovery codes left/)).toBeInTheDocument();
    expect(within(section).queryByRole('list', { name: 'Recovery codes' })).not.toBeInTheDocument();
    expect(callsTo('twoFactor.confirm').map((c) => c.input)).toEqual([
      { code: '000000' },
      { code: '135790' },
    ]);
  });

  it('turns it off with the password and a code', async () => {
    const { callsTo } = renderSecurity({ enabled: true, enabledAt: new Date(), recoveryCodesLeft: 4 });
    const section = await openSecurity();
    expect(within(section).getByText(/4 recovery codes left/)).toBeInTheDocument();
    await userEvent.click(within(section).getByRole('button', { name: 'Turn off two-factor sign-in' }));
    const off = within(section).getByRole('button', { name: 'Turn off' });
    expect(off).toBeDisabled();
    await userEvent.type(within(section).getByLabelText('Current password'), 'wrong');
    await userEvent.type(within(section).getByLabelText('Code from the app, or a recovery code'), '123456');
    await userEvent.click(off);
    expect(await within(section).findByRole('alert')).toHaveTextContent('The password is not correct.');
    await userEvent.clear(within(section).getByLabelText('Current password'));
    await userEvent.type(within(section).getByLabelText('Current password'), 'my-password');
    await userEvent.click(within(section).getByRole('button', { name: 'Turn off' }));
    expect(
      await within(section).findByRole('button', { name: 'Turn on two-factor sign-in' }),
    ).toBeInTheDocument();
    expect(callsTo('twoFactor.disable').at(-1)?.input).toEqual({ password: 'my-password', code: '123456' });
  });

  it('says so when the operator requires it', async () => {
    renderSecurity({ required: true });
    const section = await openSecurity();
    expect(within(section).getByRole('alert')).toHaveTextContent(
      'requires two-factor sign-in for administrators',
    );
  });
});
