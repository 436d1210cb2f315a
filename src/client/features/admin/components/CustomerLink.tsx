/**
 * A link to a customer's page in the console. It goes through the router like any link (no page
 * reload), by address, so it does not depend on how that page's route is declared.
 */
import { useRouter } from '@tanstack/react-router';
import type { MouseEvent, ReactNode } from 'react';

export const customerPath = (id: string) => `/admin/customers/${encodeURIComponent(id)}`;

export function CustomerLink({
  id,
  children,
  className,
}: {
  id: string;
  children: ReactNode;
  className?: string;
}) {
  const router = useRouter();
  const href = customerPath(id);
  function follow(event: MouseEvent<HTMLAnchorElement>) {
    // A new tab or window is the browser's to open.
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    void router.navigate({ href });
  }
  return (
    <a
      href={href}
      onClick={follow}
      className={
        className ??
        'font-medium text-sky-800 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-sky-600'
      }
    >
      {children}
    </a>
  );
}
