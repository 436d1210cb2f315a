import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ApiToken } from '../../../../shared/tokens.ts';
import { AlertDialog, AlertDialogCancel } from '../../../components/AlertDialog.tsx';
import { Button } from '../../../components/Button.tsx';
import { BusySkeleton } from '../../../components/BusySkeleton.tsx';
import { ListTable, type ListTableHeader } from '../../../components/ListTable.tsx';
import { QueryLoadError } from '../../../components/QueryLoadError.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { describeError } from '../../../lib/errors.ts';
import { useSession } from '../../../lib/session.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import { describeExpiry, describeLastUse, formatDate } from '../lib/tokens.ts';
import { CreateTokenDialog } from './CreateTokenDialog.tsx';
import { Panel } from './Panel.tsx';

export function TokensSection() {
  const trpc = useTRPC();
  const session = useSession();
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  const role = session.status === 'signedIn' ? session.user.role : 'customer';
  return (
    <Panel
      id="tokens"
      title="API tokens"
      description="For scripts and tools that use Keel's API as you. Revoke a token and the next request with it is refused."
      actions={<CreateTokenDialog role={role} trigger={<Button>Create token</Button>} />}
    >
      {tokens.isPending && (
        <BusySkeleton
          label="Loading your API tokens"
          className="space-y-2"
          bars={['h-10 w-full', 'h-10 w-full']}
        />
      )}
      <QueryLoadError title="Your API tokens could not be loaded." query={tokens} />
      {tokens.data && tokens.data.tokens.length === 0 && (
        <p className="rounded-lg border border-dashed border-slate-300 px-4 py-8 text-center text-sm text-slate-600">
          No API tokens yet.
        </p>
      )}
      {tokens.data && tokens.data.tokens.length > 0 && <TokenTable tokens={tokens.data.tokens} />}
    </Panel>
  );
}

const tokenHeaders: readonly ListTableHeader[] = [
  'Name',
  'Scopes',
  'Created',
  'Expiry',
  'Last used',
  { label: 'Actions', srOnly: true },
];

function TokenTable({ tokens }: { tokens: ApiToken[] }) {
  const now = new Date();
  return (
    <ListTable look="panel" caption="Your API tokens" headers={tokenHeaders}>
      {tokens.map((token) => (
        <tr key={token.id} data-token-row>
          <td className="py-2.5 pr-4">
            <div className="font-medium text-slate-900">{token.name}</div>
            <div className="font-mono text-xs text-slate-500">{token.prefix}…</div>
          </td>
          <td className="py-2.5 pr-4 text-slate-700">{token.scopes.join(', ')}</td>
          <td className="py-2.5 pr-4 whitespace-nowrap text-slate-700">{formatDate(token.createdAt)}</td>
          <td className="py-2.5 pr-4 whitespace-nowrap text-slate-700">
            {describeExpiry(token.expiresAt, now)}
          </td>
          <td className="py-2.5 pr-4 text-slate-700">
            {describeLastUse(token.lastUsedAt, token.lastUsedIp)}
          </td>
          <td className="py-2.5 text-right">
            <RevokeTokenDialog token={token} />
          </td>
        </tr>
      ))}
    </ListTable>
  );
}

function RevokeTokenDialog({ token }: { token: ApiToken }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useToast();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions());

  async function confirm() {
    setError(null);
    try {
      await revoke.mutateAsync({ id: token.id });
      await queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
      notify('success', `Token ${token.name} is revoked.`);
      setOpen(false);
    } catch (err) {
      setError(describeError(err).message);
    }
  }

  return (
    <AlertDialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) setError(null);
      }}
      title={`Revoke ${token.name}?`}
      description="Whatever uses this token is refused from its next request. This cannot be undone."
      trigger={
        <Button variant="ghost" size="sm" aria-label={`Revoke ${token.name}`}>
          Revoke
        </Button>
      }
    >
      {error && (
        <p role="alert" className="mb-4 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      )}
      <div className="flex justify-end gap-2">
        <AlertDialogCancel asChild>
          <Button variant="secondary">Cancel</Button>
        </AlertDialogCancel>
        <Button variant="danger" disabled={revoke.isPending} onClick={() => void confirm()}>
          {revoke.isPending && <Spinner />}
          Revoke token
        </Button>
      </div>
    </AlertDialog>
  );
}
