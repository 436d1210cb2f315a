import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { LoginForm, validateCredentials } from './LoginForm.tsx';

describe('validateCredentials', () => {
  it.each([
    ['', '', { email: 'Enter your email address.', password: 'Enter your password.' }],
    ['ada', 'pw', { email: 'Enter an email address like name@example.com.' }],
    ['ada@example.com', '', { password: 'Enter your password.' }],
    ['  Ada@Example.com ', 'pw', {}],
  ])('%j / %j', (email, password, expected) => {
    expect(validateCredentials(email, password)).toEqual(expected);
  });
});

describe('LoginForm', () => {
  it('shows what is missing beside each field and does not submit', async () => {
    const onSubmit = vi.fn();
    render(<LoginForm onSubmit={onSubmit} />);
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('Enter your email address.');
    expect(screen.getByLabelText('Password')).toHaveAccessibleDescription('Enter your password.');
    expect(screen.getByLabelText('Email')).toHaveFocus();
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it('submits with the keyboard alone and is disabled while it waits', async () => {
    let finish!: () => void;
    const onSubmit = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    render(<LoginForm onSubmit={onSubmit} />);
    await userEvent.keyboard('ada@example.com');
    await userEvent.tab();
    await userEvent.keyboard('secret{Enter}');
    expect(onSubmit).toHaveBeenCalledWith('ada@example.com', 'secret');
    expect(screen.getByRole('button', { name: 'Signing in…' })).toBeDisabled();
    expect(screen.getByLabelText('Password')).toBeDisabled();
    finish();
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeEnabled();
  });

  it('shows the reason a sign-in was refused', async () => {
    const onSubmit = vi.fn().mockRejectedValue(new Error('The email or password is not correct.'));
    render(<LoginForm onSubmit={onSubmit} />);
    await userEvent.type(screen.getByLabelText('Email'), 'ada@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'wrong{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('The email or password is not correct.');
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeEnabled();
  });
});
