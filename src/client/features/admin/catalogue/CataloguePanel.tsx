/**
 * What the four catalogue tabs share: a heading with its "New …" dialog, the list's loading, error and
 * empty states, the table, the form dialog and the name and slug fields. Each panel brings its own
 * columns and fields; the form's values, errors and buttons are the console's (AdminDialogForm).
 * Plans, images and locations, the named entries, share more (NamedEntriesPanel, useEntrySave): their
 * row actions, their dialog and how a form saves, all from the entry's procedures and its kind word.
 */
import { useMutation, useQueryClient, type UseMutationOptions } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { Button } from '../../../components/Button.tsx';
import { Dialog } from '../../../components/Dialog.tsx';
import { LoadError } from '../../../components/LoadError.tsx';
import { useToast } from '../../../components/Toast.tsx';
import type { useTRPC } from '../../../lib/trpc.ts';
import { ListTable, type ListTableHeader } from '../../../components/ListTable.tsx';
import { EmptyState, TableSkeleton, cellClass } from '../components/DataTable.tsx';
import { StateBadge } from '../components/StateBadge.tsx';
import { TextField, type TextFieldProps } from '../components/TextField.tsx';
import { EntryActions } from './EntryActions.tsx';

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
  headers: readonly ListTableHeader[];
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
        <ListTable caption={title} headers={headers}>
          {items.map((item) => (
            <tr key={item.id}>{row(item)}</tr>
          ))}
        </ListTable>
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

type Catalogue = ReturnType<typeof useTRPC>['adminCatalogue'];
type ApiError = Parameters<
  NonNullable<ReturnType<Catalogue['plans']['delete']['mutationOptions']>['onError']>
>[0];

interface Mutation<I, O> {
  mutationOptions(): UseMutationOptions<O, ApiError, I>;
}

/**
 * The procedures of a named entry, e.g. `trpc.adminCatalogue.images`. `K` is its kind word ("image"),
 * under which create and update answer with the entry saved.
 */
export interface EntryProcedures<K extends string, E, I> {
  pathKey: Catalogue['plans']['pathKey'];
  create: Mutation<I, Record<K, E>>;
  /** Any of the entry's fields, or only whether it is open to orders. */
  update: Mutation<{ id: string } & (Partial<I> | { active: boolean }), Record<K, E>>;
  delete: Mutation<{ id: string }, { deleted: true }>;
}

/** The labels of the fields every named entry has, for its form's errors. */
export const namedEntryLabels = { name: 'Name', slug: 'Slug', active: 'Open to orders' };

interface NamedEntry {
  id: string;
  name: string;
  slug: string;
  active: boolean;
}

const capitalized = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/**
 * The tab of a named entry: "Plans" for the kind "plan". Each row is the name and slug, the entry's own
 * cells, its state and its actions (edit, retire or reopen, delete); the dialog holds the entry's form.
 */
export function NamedEntriesPanel<K extends string, E extends NamedEntry, I>({
  kind,
  procedures,
  query,
  items,
  emptyText,
  headers,
  cells,
  form,
}: {
  /** "plan", "image", … as in a sentence. */
  kind: K;
  procedures: EntryProcedures<K, E, I>;
  query: ListQuery;
  items: readonly E[] | undefined;
  emptyText: string;
  /** The headers of the entry's own cells, between the first column and the state. */
  headers: readonly ListTableHeader[];
  /** The entry's own cells. */
  cells(entry: E): ReactNode;
  /** The form of the dialog: for a new entry without one. */
  form(entry: E | undefined, onDone: () => void): ReactNode;
}) {
  const queryClient = useQueryClient();
  const update = useMutation(procedures.update.mutationOptions());
  const remove = useMutation(procedures.delete.mutationOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: procedures.pathKey() });
  const dialog = (trigger: ReactNode, entry?: E) => (
    <EntryDialog title={entry ? `Edit ${kind} ${entry.name}` : `New ${kind}`} trigger={trigger}>
      {(onDone) => form(entry, onDone)}
    </EntryDialog>
  );

  return (
    <CataloguePanel
      title={`${capitalized(kind)}s`}
      plural={`${kind}s`}
      newDialog={dialog(<Button size="sm">{`New ${kind}`}</Button>)}
      query={query}
      items={items}
      empty={{ title: `No ${kind}s yet`, text: emptyText }}
      headers={[capitalized(kind), ...headers, 'State', { label: 'Actions', srOnly: true }]}
      row={(entry) => (
        <>
          <NameSlugCell entry={entry} />
          {cells(entry)}
          <StateCell active={entry.active} />
          <td className={cellClass}>
            <EntryActions
              kind={kind}
              name={entry.name}
              active={entry.active}
              editDialog={dialog(editButton(`Edit ${kind} ${entry.name}`), entry)}
              onSetActive={async (active) => {
                await update.mutateAsync({ id: entry.id, active });
                await refresh();
              }}
              onDelete={async () => {
                await remove.mutateAsync({ id: entry.id });
                await refresh();
              }}
            />
          </td>
        </>
      )}
    />
  );
}

/**
 * How a named entry's form saves: create or update, refresh the list, say so and close. `formProps`
 * are the form's name, its submit label and whether a save is under way.
 */
export function useEntrySave<K extends string, E extends { id: string; name: string }, I>(
  kind: K,
  procedures: EntryProcedures<K, E, I>,
  entry: E | undefined,
  onDone: () => void,
) {
  const queryClient = useQueryClient();
  const notify = useToast();
  const create = useMutation(procedures.create.mutationOptions());
  const update = useMutation(procedures.update.mutationOptions());
  const pending = create.isPending || update.isPending;

  async function save(data: I) {
    const answer = entry
      ? await update.mutateAsync({ id: entry.id, ...data })
      : await create.mutateAsync(data);
    await queryClient.invalidateQueries({ queryKey: procedures.pathKey() });
    notify('success', savedMessage(Boolean(entry), answer[kind].name));
    onDone();
  }

  const formProps = {
    label: entry ? `Edit ${kind}` : `New ${kind}`,
    submitLabel: entry ? `Save ${kind}` : `Create ${kind}`,
    pending,
  };
  return { pending, save, formProps };
}
