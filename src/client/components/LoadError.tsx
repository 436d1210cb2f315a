import { describeError } from '../lib/errors.ts';
import { Button } from './Button.tsx';

/** What a page shows when its data could not be loaded: what failed, why, and a way to try again. */
export function LoadError({ title, error, onRetry }: { title: string; error: unknown; onRetry: () => void }) {
  return (
    <div role="alert" className="rounded-2xl border border-red-200 bg-red-50 p-6 text-sm text-red-900">
      <p className="font-medium">{title}</p>
      <p className="mt-1">{describeError(error).message}</p>
      <Button variant="secondary" size="sm" className="mt-4" onClick={onRetry}>
        Try again
      </Button>
    </div>
  );
}
