import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { Button } from './Button.tsx';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from './DropdownMenu.tsx';

function ServerMenu({ onReboot, onTerminate }: { onReboot(): void; onTerminate(): void }) {
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="secondary">More actions</Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent>
        <DropdownMenuLabel>web-1</DropdownMenuLabel>
        <DropdownMenuItem onSelect={onReboot}>Reboot</DropdownMenuItem>
        <DropdownMenuItem onSelect={() => {}} disabled>
          Start
        </DropdownMenuItem>
        <DropdownMenuSeparator />
        <DropdownMenuItem onSelect={onTerminate} tone="danger">
          Terminate
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

describe('DropdownMenu', () => {
  it('opens from the keyboard, skips disabled items and runs the chosen one', async () => {
    const onReboot = vi.fn();
    const onTerminate = vi.fn();
    render(<ServerMenu onReboot={onReboot} onTerminate={onTerminate} />);
    const trigger = screen.getByRole('button', { name: 'More actions' });
    trigger.focus();
    await userEvent.keyboard('{Enter}');
    const menu = screen.getByRole('menu');
    expect(menu).toBeInTheDocument();
    expect(trigger).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByRole('menuitem', { name: 'Reboot' })).toHaveFocus();
    expect(screen.getByRole('menuitem', { name: 'Start' })).toHaveAttribute('aria-disabled', 'true');

    await userEvent.keyboard('{ArrowDown}');
    expect(screen.getByRole('menuitem', { name: 'Terminate' })).toHaveFocus();
    await userEvent.keyboard('{Enter}');
    expect(onTerminate).toHaveBeenCalledOnce();
    expect(onReboot).not.toHaveBeenCalled();
    expect(screen.queryByRole('menu')).not.toBeInTheDocument();
    expect(trigger).toHaveFocus();
  });

  it('closes on Escape without running anything', async () => {
    const onReboot = vi.fn();
    render(<ServerMenu onReboot={onReboot} onTerminate={vi.fn()} />);
    await userEvent.click(screen.getByRole('button', { name: 'More actions' }));
    expect(screen.getByRole('menu')).toBeInTheDocument();
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('menu')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'More actions' })).toHaveFocus();
    expect(onReboot).not.toHaveBeenCalled();
  });
});
