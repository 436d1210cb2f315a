import type { ErrorComponentProps } from '@tanstack/react-router';
import { Button } from '../components/Button.tsx';

/**
 * A page that failed to render or whose code failed to load — most often a dashboard updated on the
 * server since this tab opened, so its old chunks are gone. Reloading fetches the current ones.
 */
export function RouteError(_props: ErrorComponentProps) {
  return (
    <div role="alert" className="mx-auto max-w-md py-16 text-center">
      <h1 className="text-xl font-semibold text-slate-900">This page could not be shown</h1>
      <p className="mt-2 text-sm text-slate-600">
        Keel may have been updated since you opened it. Reloading the page usually helps.
      </p>
      <Button variant="secondary" size="sm" className="mt-4" onClick={() => window.location.reload()}>
        Reload
      </Button>
    </div>
  );
}
