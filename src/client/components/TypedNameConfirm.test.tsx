import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { TypedNameConfirm, typedNameMatches } from './TypedNameConfirm.tsx';

describe('typedNameMatches', () => {
  it('matches the exact name, forgiving surrounding spaces only', () => {
    expect(typedNameMatches('web-1', 'web-1')).toBe(true);
    expect(typedNameMatches('  web-1 ', 'web-1')).toBe(true);
    expect(typedNameMatches('Web-1', 'web-1')).toBe(false);
    expect(typedNameMatches('web-', 'web-1')).toBe(false);
    expect(typedNameMatches('', 'web-1')).toBe(false);
  });
});

function Harness({ error }: { error?: string }) {
  const [typed, setTyped] = useState('');
  return (
    <>
      <TypedNameConfirm name="web-1" value={typed} onChange={setTyped} error={error} />
      <button type="button" disabled={!typedNameMatches(typed, 'web-1')}>
        Delete
      </button>
    </>
  );
}

describe('TypedNameConfirm', () => {
  it('is a labelled input that takes the name literally and enables the action once it matches', async () => {
    render(<Harness />);
    const input = screen.getByRole('textbox', { name: 'Type web-1 to confirm' });
    expect(input).toHaveAttribute('autocomplete', 'off');
    expect(input).toHaveAttribute('spellcheck', 'false');
    expect(screen.getByRole('button', { name: 'Delete' })).toBeDisabled();
    await userEvent.type(input, 'web-');
    expect(screen.getByRole('button', { name: 'Delete' })).toBeDisabled();
    await userEvent.type(input, '1');
    expect(screen.getByRole('button', { name: 'Delete' })).toBeEnabled();
  });

  it('shows an objection as the input’s description and marks it invalid', () => {
    render(<Harness error="does not match the server's name" />);
    const input = screen.getByRole('textbox', { name: 'Type web-1 to confirm' });
    expect(input).toHaveAccessibleDescription("does not match the server's name");
    expect(input).toHaveAttribute('aria-invalid', 'true');
  });
});
