import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ToastProvider, toastDisplayMs, useToast } from './Toast.tsx';

function Actions() {
  const notify = useToast();
  let count = 0;
  return (
    <>
      <button type="button" onClick={() => notify('success', 'web-1 is rebooting.')}>
        Reboot
      </button>
      <button type="button" onClick={() => notify('error', 'Another operation is still in progress.')}>
        Fail
      </button>
      <button type="button" onClick={() => notify('success', `Notice ${++count}`)}>
        Many
      </button>
    </>
  );
}

const region = () => screen.getByRole('region', { name: /^Notifications/ });

function setup() {
  const user = userEvent.setup();
  render(
    <ToastProvider>
      <Actions />
    </ToastProvider>,
  );
  return user;
}

/**
 * Fake clocks that still creep forward with real time, so Testing Library's own short waits work; the
 * test moves the clock past the display time itself.
 */
beforeEach(() => vi.useFakeTimers({ shouldAdvanceTime: true }));
afterEach(() => vi.useRealTimers());

describe('toasts', () => {
  it('appears in the notifications region and goes by itself after its time', async () => {
    const user = setup();
    await user.click(screen.getByRole('button', { name: 'Reboot' }));
    expect(region()).toHaveTextContent('web-1 is rebooting.');

    await act(() => vi.advanceTimersByTimeAsync(toastDisplayMs - 500));
    expect(region()).toHaveTextContent('web-1 is rebooting.');
    await act(() => vi.advanceTimersByTimeAsync(1_000));
    expect(region()).not.toHaveTextContent('web-1 is rebooting.');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('is dismissed with its button, and its timer goes with it', async () => {
    const user = setup();
    await user.click(screen.getByRole('button', { name: 'Fail' }));
    const toast = within(region()).getByText('Another operation is still in progress.');
    expect(toast).toBeInTheDocument();
    expect(vi.getTimerCount()).toBeGreaterThan(0);

    await user.click(within(region()).getByRole('button', { name: 'Dismiss' }));
    expect(region()).not.toHaveTextContent('Another operation is still in progress.');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stays while the pointer rests on it', async () => {
    const user = setup();
    await user.click(screen.getByRole('button', { name: 'Reboot' }));
    await user.hover(within(region()).getByText('web-1 is rebooting.'));
    await act(() => vi.advanceTimersByTimeAsync(toastDisplayMs * 3));
    expect(region()).toHaveTextContent('web-1 is rebooting.');

    await user.unhover(within(region()).getByText('web-1 is rebooting.'));
    await act(() => vi.advanceTimersByTimeAsync(toastDisplayMs + 500));
    expect(region()).not.toHaveTextContent('web-1 is rebooting.');
  });

  it('shows at most three at once, the oldest giving way', async () => {
    const user = setup();
    for (let i = 0; i < 4; i++) await user.click(screen.getByRole('button', { name: 'Many' }));
    expect(
      within(region())
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual([
      expect.stringContaining('Notice 2'),
      expect.stringContaining('Notice 3'),
      expect.stringContaining('Notice 4'),
    ]);
  });
});
