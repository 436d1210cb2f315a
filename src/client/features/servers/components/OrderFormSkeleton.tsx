import { Skeleton } from '../../../components/Skeleton.tsx';

export function OrderFormSkeleton() {
  return (
    <div className="space-y-3" aria-busy="true" aria-label="Loading the catalogue">
      <Skeleton className="h-16" />
      <Skeleton className="h-16" />
      <Skeleton className="h-10" />
    </div>
  );
}
