import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { Tooltip } from './Tooltip.tsx';

describe('Tooltip', () => {
  it('shows on keyboard focus, describes its button, and goes on Escape', async () => {
    render(
      <>
        <button type="button">Before</button>
        <Tooltip content="Copy the IP address">
          <button type="button" aria-label="Copy">
            ⧉
          </button>
        </Tooltip>
      </>,
    );
    expect(screen.queryByRole('tooltip')).not.toBeInTheDocument();
    screen.getByRole('button', { name: 'Before' }).focus();
    await userEvent.tab();
    expect(await screen.findByRole('tooltip')).toHaveTextContent('Copy the IP address');
    expect(screen.getByRole('button', { name: 'Copy' })).toHaveAccessibleDescription('Copy the IP address');

    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('tooltip')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Copy' })).toHaveFocus();
  });
});
