import type { ReactNode } from 'react';
import { Button } from './Button.tsx';
import { Spinner } from './Spinner.tsx';

/** The next page of a cursor-paged list, while there is one: a spinner while it comes. */
export function ShowMoreButton({
  list,
  centred = false,
  children,
}: {
  list: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage(): unknown };
  /** In a row of its own, in the middle. */
  centred?: boolean;
  children: ReactNode;
}) {
  if (!list.hasNextPage) return null;
  const button = (
    <Button
      variant="secondary"
      size="sm"
      disabled={list.isFetchingNextPage}
      onClick={() => void list.fetchNextPage()}
    >
      {list.isFetchingNextPage && <Spinner />}
      {children}
    </Button>
  );
  return centred ? <div className="flex justify-center">{button}</div> : button;
}
