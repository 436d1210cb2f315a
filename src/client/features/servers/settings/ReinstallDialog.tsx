import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import type { Server } from '../../../../shared/api.ts';
import { rootPasswordSchema } from '../../../../shared/self-service.ts';
import { ConfirmDialog } from '../../../components/ConfirmDialog.tsx';
import { PasswordField } from '../../../components/PasswordField.tsx';
import { useToast } from '../../../components/Toast.tsx';
import { describeError } from '../../../lib/errors.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import { ImageField } from '../components/ImageField.tsx';
import { SshKeyPicker } from '../components/SshKeyPicker.tsx';
import { useStoreServer } from '../hooks/useServers.ts';

type Errors = Partial<Record<'imageId' | 'sshKeyIds' | 'rootPassword' | 'confirmName', string>>;

function errorsFromApi(fields: Record<string, string>): Errors {
  const errors: Errors = {};
  for (const [path, problem] of Object.entries(fields)) {
    const field = path.split('.')[0] as keyof Errors;
    if (['imageId', 'sshKeyIds', 'rootPassword', 'confirmName'].includes(field)) errors[field] = problem;
  }
  return errors;
}

/**
 * Reinstalling erases the disk, so the customer types the server's name to confirm. The image comes
 * from the catalogue (the current one first chosen), the keys from the keychain, and a root password
 * may be set at the same time.
 */
export function ReinstallDialog({ server, trigger }: { server: Server; trigger: ReactNode }) {
  const [open, setOpen] = useState(false);
  const trpc = useTRPC();
  const notify = useToast();
  const storeServer = useStoreServer();
  const catalog = useQuery({ ...trpc.catalog.get.queryOptions(), enabled: open });
  const reinstall = useMutation(trpc.servers.reinstall.mutationOptions());
  const [imageId, setImageId] = useState(server.image?.id ?? '');
  const [sshKeyIds, setSshKeyIds] = useState<string[]>([]);
  const [rootPassword, setRootPassword] = useState('');
  const [errors, setErrors] = useState<Errors>({});

  function openChange(next: boolean) {
    if (!next) {
      setImageId(server.image?.id ?? '');
      setSshKeyIds([]);
      setRootPassword('');
      setErrors({});
    }
    setOpen(next);
  }

  function validate() {
    const found: Errors = {};
    if (!imageId) found.imageId = 'Choose an image.';
    if (rootPassword) {
      const checked = rootPasswordSchema.safeParse(rootPassword);
      if (!checked.success)
        found.rootPassword = `Root password ${checked.error.issues[0]?.message ?? 'is not valid'}.`;
    }
    setErrors(found);
    return !Object.keys(found).length;
  }

  /** Field problems go under their fields; anything else is the dialog's own error. */
  function refusal(err: unknown) {
    const { message, fields } = describeError(err);
    const found = errorsFromApi(fields);
    setErrors(found);
    return Object.keys(found).length ? null : message;
  }

  const images = catalog.data?.images ?? (server.image ? [server.image] : []);
  return (
    <ConfirmDialog
      trigger={trigger}
      title={`Reinstall ${server.name}?`}
      description="Everything on its disk is erased, snapshots included, and the server is built again from the image you choose. It keeps its IP address and plan."
      typedName={{ name: server.name, error: errors.confirmName }}
      onOpenChange={openChange}
      noValidate
      validate={validate}
      errorMessage={refusal}
      confirmLabel="Reinstall server"
      onConfirm={async () => {
        const result = await reinstall.mutateAsync({
          id: server.id,
          imageId,
          confirmName: server.name,
          ...(sshKeyIds.length ? { sshKeyIds } : {}),
          ...(rootPassword ? { rootPassword } : {}),
        });
        storeServer(result.server);
        notify('success', `${server.name} is being reinstalled.`);
      }}
    >
      <ImageField
        images={images}
        state={[imageId, setImageId]}
        error={errors.imageId}
        placeholder={catalog.isPending ? 'Loading images…' : 'Choose an image'}
      />
      {catalog.isError && (
        <p role="alert" className="text-sm text-red-700">
          The images could not be loaded. {describeError(catalog.error).message}
        </p>
      )}
      <SshKeyPicker
        selected={sshKeyIds}
        onChange={setSshKeyIds}
        error={errors.sshKeyIds}
        hint="Without a choice here, the server keeps the keys it has."
      />
      <PasswordField
        label="New root password (optional)"
        hint="At least 12 characters. You can also reset it afterwards."
        error={errors.rootPassword}
        state={[rootPassword, setRootPassword]}
      />
    </ConfirmDialog>
  );
}
