/**
 * What the four catalogue tabs share: a heading with its "New …" dialog, the list's loading, error and
 * empty states, the table, the form dialog and the name and slug fields. Each panel brings its own
 * columns and fields; the form's values, errors and buttons are the console's (AdminDialogForm).
 */
import { useState, type ReactNode } from 'react';
import { Button } from '../../../components/Button.tsx';
import { Dialog } from '../../../components/Dialog.tsx';
import { LoadError } from '../../../components/LoadError.tsx';
import { DataTable, EmptyState, TableSkeleton, cellClass } from '../components/DataTable.tsx';
import { StateBadge } from '../components/FormAlert.tsx';
import { TextField, type TextFieldProps } from '../components/TextField.tsx';

interface ListQuery {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  refetch(): unknown;
  data?: { nextCursor?: string | null | undefined } | undefined;
}

export function CataloguePanel<T extends { id: string }>({
  title,
  plural,
  newDialog,
  query,
  items,
  empty,
  headers,
  row,
}: {
  /** The heading and the table's caption, e.g. "IP pools". */
  title: string;
  /** The same in a sentence, e.g. "IP pools" or "images". */
  plural: string;
  /** The "New …" dialog, with its own trigger. */
  newDialog: ReactNode;
  query: ListQuery;
  items: readonly T[] | undefined;
  empty: { title: string; text: ReactNode };
  headers: Parameters<typeof DataTable>[0]['headers'];
  /** The cells of one entry's row. */
  row(item: T): ReactNode;
}) {
  return (
    <div className="space-y-3">
      <div className="flex items-center justify-between gap-4">
        <h3 className="text-base font-semibold text-slate-900">{title}</h3>
        {newDialog}
      </div>
      {query.isPending && <TableSkeleton label={`Loading ${plural}`} />}
      {query.isError && (
        <LoadError
          title={`The ${plural} could not be loaded.`}
          error={query.error}
          onRetry={() => void query.refetch()}
        />
      )}
      {items && items.length === 0 && <EmptyState title={empty.title}>{empty.text}</EmptyState>}
      {items && items.length > 0 && (
        <DataTable caption={title} headers={headers}>
          {items.map((item) => (
            <tr key={item.id}>{row(item)}</tr>
          ))}
        </DataTable>
      )}
      {query.data?.nextCursor && <p className="text-sm text-slate-600">Showing the first 500 {plural}.</p>}
    </div>
  );
}

/** The first cell of a named entry: its name, and its slug below. */
export function NameSlugCell({ entry }: { entry: { name: string; slug: string } }) {
  return (
    <td className={cellClass}>
      <div className="font-medium text-slate-900">{entry.name}</div>
      <div className="font-mono text-xs text-slate-500">{entry.slug}</div>
    </td>
  );
}

/** Open or retired. */
export function StateCell({ active }: { active: boolean }) {
  return (
    <td className={cellClass}>
      <StateBadge tone={active ? 'good' : 'neutral'}>{active ? 'Open' : 'Retired'}</StateBadge>
    </td>
  );
}

/** The small "Edit" button that opens an entry's dialog, named for the entry. */
export function editButton(label: string): ReactNode {
  return (
    <Button variant="secondary" size="sm" aria-label={label}>
      Edit
    </Button>
  );
}

/** A dialog that owns its open state and hands the form a way to close it. */
export function EntryDialog({
  title,
  description,
  trigger,
  children,
}: {
  title: string;
  description?: ReactNode;
  trigger: ReactNode;
  children(onDone: () => void): ReactNode;
}) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog
      open={open}
      onOpenChange={setOpen}
      trigger={trigger}
      title={title}
      {...(description ? { description } : {})}
      width="lg"
    >
      {children(() => setOpen(false))}
    </Dialog>
  );
}

/** What the toast says once a named entry is saved. */
export function savedMessage(editing: boolean, name: string): string {
  return editing ? `${name} is saved.` : `${name} is in the catalogue.`;
}

/** Name and slug, the first two fields of every named entry. */
export function NameSlugFields({
  field,
  placeholder,
  slugHint,
}: {
  /** The form's `field` (see useDialogForm). */
  field(key: 'name' | 'slug'): Pick<TextFieldProps, 'value' | 'onValueChange' | 'error'>;
  placeholder: string;
  slugHint: string;
}) {
  return (
    <>
      <TextField label="Name" {...field('name')} autoFocus placeholder={placeholder} />
      <TextField
        label="Slug"
        hint={slugHint}
        {...field('slug')}
        autoCapitalize="off"
        spellCheck={false}
        className="font-mono"
      />
    </>
  );
}
