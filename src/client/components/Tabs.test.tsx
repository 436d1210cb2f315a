import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { Tabs, TabsContent, TabsList, TabsTrigger } from './Tabs.tsx';

describe('Tabs', () => {
  it('moves between tabs with the arrow keys, each panel labelled by its tab', async () => {
    render(
      <Tabs defaultValue="details">
        <TabsList label="Server">
          <TabsTrigger value="details">Details</TabsTrigger>
          <TabsTrigger value="activity">Activity</TabsTrigger>
        </TabsList>
        <TabsContent value="details">4 vCPU</TabsContent>
        <TabsContent value="activity">Rebooted</TabsContent>
      </Tabs>,
    );
    expect(screen.getByRole('tablist', { name: 'Server' })).toBeInTheDocument();
    expect(screen.getByRole('tabpanel', { name: 'Details' })).toHaveTextContent('4 vCPU');

    screen.getByRole('tab', { name: 'Details' }).focus();
    await userEvent.keyboard('{ArrowRight}');
    expect(screen.getByRole('tab', { name: 'Activity' })).toHaveFocus();
    expect(screen.getByRole('tab', { name: 'Activity' })).toHaveAttribute('aria-selected', 'true');
    expect(screen.getByRole('tabpanel', { name: 'Activity' })).toHaveTextContent('Rebooted');
    expect(screen.queryByRole('tabpanel', { name: 'Details' })).not.toBeInTheDocument();
  });
});
