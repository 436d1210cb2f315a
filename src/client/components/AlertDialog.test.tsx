import { render, screen } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { useRef, useState } from 'react';
import { describe, expect, it } from 'vitest';
import { AlertDialog, AlertDialogCancel } from './AlertDialog.tsx';

function Confirm({ focusInput = false }: { focusInput?: boolean }) {
  const [open, setOpen] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  return (
    <AlertDialog
      open={open}
      onOpenChange={setOpen}
      title="Delete web-1?"
      description="This cannot be undone."
      trigger={<button type="button">Delete</button>}
      {...(focusInput ? { initialFocus: input } : {})}
    >
      <input ref={input} aria-label="Name" />
      <AlertDialogCancel>Cancel</AlertDialogCancel>
    </AlertDialog>
  );
}

describe('AlertDialog', () => {
  it('is an alert dialog with its title and description, focus on Cancel', async () => {
    render(<Confirm />);
    await userEvent.click(screen.getByRole('button', { name: 'Delete' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Delete web-1?' });
    expect(dialog).toHaveAccessibleDescription('This cannot be undone.');
    expect(screen.getByRole('button', { name: 'Cancel' })).toHaveFocus();
  });

  it('is not dismissed by a click outside; Escape backs out and focus returns', async () => {
    // The page behind a modal takes no pointer events; click it anyway, as a stray click would land.
    const user = userEvent.setup({ pointerEventsCheck: PointerEventsCheckLevel.Never });
    render(<Confirm />);
    await user.click(screen.getByRole('button', { name: 'Delete' }));
    await user.click(document.body);
    expect(screen.getByRole('alertdialog')).toBeInTheDocument();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Delete' })).toHaveFocus();
  });

  it('can open on the field the user must fill', async () => {
    render(<Confirm focusInput />);
    await userEvent.click(screen.getByRole('button', { name: 'Delete' }));
    expect(screen.getByRole('textbox', { name: 'Name' })).toHaveFocus();
  });
});
