import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { LoginForm } from './LoginForm.tsx';

describe('LoginForm', () => {
  it('asks for both fields before submitting', async () => {
    const onSubmit = vi.fn();
    render(<LoginForm onSubmit={onSubmit} />);
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Enter your email and password.');
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it('submits the typed credentials and shows the error it gets back', async () => {
    const onSubmit = vi.fn().mockRejectedValue(new Error('The email or password is not correct.'));
    render(<LoginForm onSubmit={onSubmit} />);
    await userEvent.type(screen.getByLabelText('Email'), 'demo@keel.local');
    await userEvent.type(screen.getByLabelText('Password'), 'wrong{Enter}');
    expect(onSubmit).toHaveBeenCalledWith('demo@keel.local', 'wrong');
    expect(await screen.findByRole('alert')).toHaveTextContent('The email or password is not correct.');
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeEnabled();
  });
});
