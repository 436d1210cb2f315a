/**
 * One customer account for the operator: who it is, its servers (each linking to the console's server
 * page), its quota, and what the operator can do about access: disable or enable the account, suspend
 * every server (a customer who has not paid), and make a password-reset link.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useState, type FormEvent } from 'react';
import type { Server } from '../../../../shared/api.ts';
import type { AdminUser, OneTimeLink } from '../../../../shared/users.ts';
import { Button } from '../../../components/Button.tsx';
import { Field, inputClass } from '../../../components/Field.tsx';
import { FormNotice } from '../../../components/FormNotice.tsx';
import { BusySkeleton } from '../../../components/BusySkeleton.tsx';
import { QueryLoadError } from '../../../components/QueryLoadError.tsx';
import { nameLinkClass } from '../../../components/link-styles.ts';
import { Spinner } from '../../../components/Spinner.tsx';
import { TitledCard } from '../../../components/TitledCard.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { describeError } from '../../../lib/errors.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import { AdminServerLink } from '../components/AdminServerLink.tsx';
import { ConfirmDialog } from '../../../components/ConfirmDialog.tsx';
import { ListTable } from '../../../components/ListTable.tsx';
import { EmptyState, cellClass } from '../components/DataTable.tsx';
import { StateBadge } from '../components/StateBadge.tsx';
import { TextField } from '../components/TextField.tsx';
import { errorsFromCall, errorsFromFields, type FormErrors } from '../lib/form-errors.ts';
import { quotaInput, quotaValues, statusText, type QuotaKey, type QuotaValues } from './customer-format.ts';
import { AccountStateBadge } from './AccountStateBadge.tsx';
import { OneTimeLinkBox } from './OneTimeLinkBox.tsx';

export function CustomerPage({ id }: { id: string }) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.admin.users.byId.queryOptions({ id }));

  return (
    <div className="space-y-6">
      <Link
        to="/admin/customers"
        className="text-sm font-medium text-sky-700 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-sky-600"
      >
        ← All customers
      </Link>
      {detail.isPending && (
        <BusySkeleton label="Loading the account" className="space-y-3" bars={['h-6 w-64', 'h-32 w-full']} />
      )}
      <QueryLoadError title="The account could not be loaded." query={detail} />
      {detail.data && <CustomerDetail user={detail.data.user} servers={detail.data.servers} />}
    </div>
  );
}

function CustomerDetail({ user, servers }: { user: AdminUser; servers: Server[] }) {
  const live = servers.filter((s) => s.status !== 'terminated');
  return (
    <>
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <h2 className="text-lg font-semibold text-slate-900">{user.email}</h2>
          <p className="mt-0.5 text-sm text-slate-600">
            {user.name || 'No name'} · {user.role === 'admin' ? 'Administrator' : 'Customer'} · since{' '}
            {user.createdAt.toLocaleDateString('en')}
          </p>
        </div>
        <AccountStateBadge disabled={user.disabled} />
      </div>

      <section aria-labelledby="customer-servers" className="space-y-3">
        <h3 id="customer-servers" className="text-base font-semibold text-slate-900">
          Servers <span className="font-normal text-slate-500">({live.length})</span>
        </h3>
        {servers.length === 0 ? (
          <EmptyState title="No servers">This account has not ordered a server yet.</EmptyState>
        ) : (
          <ListTable
            caption={`Servers of ${user.email}`}
            headers={['Server', 'Status', 'IP address', 'vCPU / memory / disk', 'Location']}
          >
            {servers.map((server) => (
              <tr key={server.id}>
                <td className={cellClass}>
                  <AdminServerLink serverId={server.id} className={nameLinkClass}>
                    {server.name}
                  </AdminServerLink>
                </td>
                <td className={cellClass}>
                  <StateBadge
                    tone={
                      server.status === 'error'
                        ? 'bad'
                        : server.status === 'suspended'
                          ? 'warning'
                          : server.status === 'running'
                            ? 'good'
                            : 'neutral'
                    }
                  >
                    {statusText(server.status)}
                  </StateBadge>
                  {server.statusReason && (
                    <div className="mt-1 max-w-64 text-xs text-slate-500">{server.statusReason}</div>
                  )}
                </td>
                <td className={`${cellClass} font-mono text-xs text-slate-700`}>{server.ipAddress ?? '—'}</td>
                <td className={`${cellClass} text-slate-700`}>
                  {server.cpuCores} vCPU · {server.memoryMb} MB · {server.diskGb} GB
                </td>
                <td className={`${cellClass} text-slate-700`}>{server.location?.name ?? '—'}</td>
              </tr>
            ))}
          </ListTable>
        )}
      </section>

      <div className="grid gap-6 lg:grid-cols-2">
        <QuotaCard user={user} />
        <AccessCard user={user} liveServers={live.length} />
      </div>
    </>
  );
}

const quotaLabels: Record<QuotaKey, string> = {
  maxServers: 'Servers',
  maxCores: 'vCPU cores',
  maxMemoryMb: 'Memory (MB)',
};

/** The account's own limits; an empty field falls back to the configured default, shown as the placeholder. */
function QuotaCard({ user }: { user: AdminUser }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useToast();
  const update = useMutation(trpc.admin.users.update.mutationOptions());
  const [values, setValues] = useState<QuotaValues>(() => quotaValues(user));
  const [errors, setErrors] = useState<FormErrors<QuotaKey>>({});

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (update.isPending) return;
    setErrors({});
    try {
      const result = await update.mutateAsync({ id: user.id, quota: quotaInput(values) });
      queryClient.setQueryData(trpc.admin.users.byId.queryKey({ id: user.id }), (old) =>
        old ? { ...old, user: result.user } : old,
      );
      await queryClient.invalidateQueries({ queryKey: trpc.admin.users.list.pathKey() });
      setValues(quotaValues(result.user));
      notify('success', `The quota of ${user.email} is saved.`);
    } catch (err) {
      const { fields } = describeError(err);
      const placed = errorsFromFields(fields, quotaLabels, 'quota.');
      setErrors(Object.keys(placed).some((k) => k !== 'form') ? placed : errorsFromCall(err, quotaLabels));
    }
  }

  const defaults = user.effectiveQuota;
  return (
    <TitledCard id="customer-quota" title="Quota" heading="h3" titleClassName="text-base">
      <p className="mt-0.5 text-sm text-slate-600">
        In force: {defaults.maxServers} servers, {defaults.maxCores} vCPU, {defaults.maxMemoryMb} MB memory.
        Leave a field empty for the default.
      </p>
      <form onSubmit={submit} noValidate className="mt-4 space-y-4" aria-label="Quota">
        <div className="grid gap-4 sm:grid-cols-3">
          {(Object.keys(quotaLabels) as QuotaKey[]).map((key) => (
            <TextField
              key={key}
              label={quotaLabels[key]}
              type="number"
              inputMode="numeric"
              min={1}
              placeholder={user.quota[key] === null ? `${defaults[key]} (default)` : undefined}
              value={values[key]}
              onValueChange={(value) => setValues((v) => ({ ...v, [key]: value }))}
              error={errors[key]}
            />
          ))}
        </div>
        <FormNotice tone="error">{errors.form}</FormNotice>
        <div className="flex justify-end">
          <Button type="submit" size="sm" disabled={update.isPending}>
            {update.isPending && <Spinner />}
            Save quota
          </Button>
        </div>
      </form>
    </TitledCard>
  );
}

function AccessCard({ user, liveServers }: { user: AdminUser; liveServers: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useToast();
  const update = useMutation(trpc.admin.users.update.mutationOptions());
  const reset = useMutation(trpc.admin.users.passwordReset.mutationOptions());
  const remove = useMutation(trpc.admin.users.delete.mutationOptions());
  const navigate = useNavigate();
  const [resetLink, setResetLink] = useState<OneTimeLink | null>(null);
  const [resetError, setResetError] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.admin.users.pathKey() });
  // Enabling a disabled account, or disabling an enabled one.
  const toggle = user.disabled
    ? {
        title: `Enable ${user.email}?`,
        description: 'The account can sign in again. Its servers stay as they are.',
        confirmLabel: 'Enable account',
        done: `${user.email} can sign in again.`,
      }
    : {
        title: `Disable ${user.email}?`,
        description:
          'Every session and API token of the account ends now, and it cannot sign in until enabled again. Its servers keep running.',
        confirmLabel: 'Disable account',
        done: `${user.email} is disabled.`,
      };

  async function makeResetLink() {
    setResetError(null);
    try {
      const { link } = await reset.mutateAsync({ id: user.id });
      setResetLink(link);
    } catch (err) {
      setResetError(describeError(err).message);
    }
  }

  return (
    <TitledCard id="customer-access" title="Access" heading="h3" titleClassName="text-base">
      <div className="mt-4 space-y-5">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <p className="max-w-sm text-sm text-slate-600">
            {user.disabled
              ? 'The account is disabled: it cannot sign in, and its tokens do not work.'
              : 'Disabling signs the account out everywhere and stops its API tokens.'}
          </p>
          <ConfirmDialog
            tone={user.disabled ? 'primary' : 'danger'}
            title={toggle.title}
            description={toggle.description}
            confirmLabel={toggle.confirmLabel}
            trigger={
              <Button variant={user.disabled ? 'secondary' : 'danger'} size="sm">
                {toggle.confirmLabel}
              </Button>
            }
            onConfirm={async () => {
              await update.mutateAsync({ id: user.id, disabled: !user.disabled });
              await refresh();
              notify('success', toggle.done);
            }}
          />
        </div>

        <div className="flex flex-wrap items-center justify-between gap-3 border-t border-slate-100 pt-5">
          <p className="max-w-sm text-sm text-slate-600">
            Suspending stops every live server of the account; the customer sees the reason and can only look.
          </p>
          <ConfirmDialog
            title={`Suspend every server of ${user.email}?`}
            description={`${liveServers} ${liveServers === 1 ? 'server is' : 'servers are'} stopped and locked until you unsuspend them on their pages.`}
            confirmLabel="Suspend servers"
            trigger={
              <Button variant="secondary" size="sm" disabled={liveServers === 0}>
                Suspend all servers
              </Button>
            }
            onConfirm={async () => {
              await update.mutateAsync({
                id: user.id,
                suspendServers: true,
                ...(reason.trim() ? { suspensionReason: reason.trim() } : {}),
              });
              setReason('');
              await refresh();
              notify('success', `The servers of ${user.email} are being suspended.`);
            }}
          >
            <Field label="Reason" hint="Shown to the customer, e.g. Invoice 1042 is overdue.">
              {(props) => (
                <textarea
                  {...props}
                  value={reason}
                  onChange={(e) => setReason(e.target.value)}
                  rows={2}
                  maxLength={500}
                  className={inputClass}
                />
              )}
            </Field>
          </ConfirmDialog>
        </div>

        <div className="flex flex-wrap items-center justify-between gap-3 border-t border-slate-100 pt-5">
          <p className="max-w-sm text-sm text-slate-600">
            Deleting removes the account for good; Keel refuses while it has live servers.
          </p>
          <ConfirmDialog
            title={`Delete ${user.email}?`}
            description="The account goes, with the records of its terminated servers; the audit log keeps what happened. This cannot be undone."
            confirmLabel="Delete account"
            trigger={
              <Button variant="ghost" size="sm" className="text-red-700 hover:bg-red-50">
                Delete account
              </Button>
            }
            onConfirm={async () => {
              await remove.mutateAsync({ id: user.id });
              notify('success', `${user.email} is deleted.`);
              queryClient.removeQueries({ queryKey: trpc.admin.users.byId.queryKey({ id: user.id }) });
              await queryClient.invalidateQueries({ queryKey: trpc.admin.users.list.pathKey() });
              await navigate({ to: '/admin/customers' });
            }}
          />
        </div>

        <div className="space-y-3 border-t border-slate-100 pt-5">
          <div className="flex flex-wrap items-center justify-between gap-3">
            <p className="max-w-sm text-sm text-slate-600">
              A link for the customer to choose a new password.
            </p>
            <Button
              variant="secondary"
              size="sm"
              onClick={() => void makeResetLink()}
              disabled={reset.isPending}
            >
              {reset.isPending && <Spinner />}
              Make password-reset link
            </Button>
          </div>
          <FormNotice tone="error">{resetError}</FormNotice>
          {resetLink && (
            <OneTimeLinkBox
              link={resetLink}
              label="Password-reset link"
              intro="Send this link to the customer."
            />
          )}
        </div>
      </div>
    </TitledCard>
  );
}
