import { LoadError } from './LoadError.tsx';

/** A query's `LoadError` while the query has failed (nothing otherwise): its error, and a retry that refetches. */
export function QueryLoadError({
  title,
  query,
}: {
  title: string;
  query: { isError: boolean; error: unknown; refetch(): unknown };
}) {
  if (!query.isError) return null;
  return <LoadError title={title} error={query.error} onRetry={() => void query.refetch()} />;
}
