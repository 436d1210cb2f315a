import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { Field } from './Field.tsx';
import { Select } from './Select.tsx';

const locations = [
  { value: 'fra', label: 'Frankfurt' },
  { value: 'hel', label: 'Helsinki' },
  { value: 'lon', label: 'London' },
];

function LocationField({ error }: { error?: string }) {
  const [value, setValue] = useState('fra');
  return (
    <>
      <Field label="Location" error={error}>
        {(props) => <Select {...props} value={value} onValueChange={setValue} options={locations} />}
      </Field>
      <output aria-label="Chosen">{value}</output>
    </>
  );
}

describe('Select', () => {
  it('is a combobox named by its label, showing the chosen option', () => {
    render(<LocationField />);
    expect(screen.getByRole('combobox', { name: 'Location' })).toHaveTextContent('Frankfurt');
  });

  it('is chosen with the keyboard alone', async () => {
    render(<LocationField />);
    screen.getByRole('combobox', { name: 'Location' }).focus();
    await userEvent.keyboard('{Enter}');
    expect(screen.getByRole('listbox')).toBeInTheDocument();
    expect(screen.getByRole('option', { name: 'Frankfurt' })).toHaveAttribute('aria-selected', 'true');
    await userEvent.keyboard('{ArrowDown}{ArrowDown}{Enter}');
    expect(screen.queryByRole('listbox')).not.toBeInTheDocument();
    expect(screen.getByRole('combobox', { name: 'Location' })).toHaveTextContent('London');
    expect(screen.getByRole('combobox', { name: 'Location' })).toHaveFocus();
    expect(screen.getByLabelText('Chosen')).toHaveTextContent('lon');
  });

  it('is chosen with the pointer, and Escape leaves the value as it was', async () => {
    render(<LocationField />);
    await userEvent.click(screen.getByRole('combobox', { name: 'Location' }));
    await userEvent.click(screen.getByRole('option', { name: 'Helsinki' }));
    expect(screen.getByLabelText('Chosen')).toHaveTextContent('hel');

    await userEvent.click(screen.getByRole('combobox', { name: 'Location' }));
    await userEvent.keyboard('{ArrowDown}{Escape}');
    expect(screen.queryByRole('listbox')).not.toBeInTheDocument();
    expect(screen.getByLabelText('Chosen')).toHaveTextContent('hel');
  });

  it('carries the field error as its description', () => {
    render(<LocationField error="Choose a location." />);
    const select = screen.getByRole('combobox', { name: 'Location' });
    expect(select).toHaveAccessibleDescription('Choose a location.');
    expect(select).toHaveAttribute('aria-invalid', 'true');
  });
});
