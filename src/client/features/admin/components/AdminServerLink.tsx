/**
 * A link to a server's page in the console (/admin/servers/<id>). Built from the address rather than the
 * route's typed name, so a section that links to servers does not depend on how the servers section
 * names its route parameter; a plain click still navigates inside the app without reloading.
 */
import { useRouter } from '@tanstack/react-router';
import type { ReactNode } from 'react';

export function adminServerHref(serverId: string): string {
  return `/admin/servers/${encodeURIComponent(serverId)}`;
}

export function AdminServerLink({
  serverId,
  children,
  className,
}: {
  serverId: string;
  children: ReactNode;
  className?: string;
}) {
  const router = useRouter();
  const href = adminServerHref(serverId);
  return (
    <a
      href={href}
      className={className}
      onClick={(event) => {
        // Let the browser handle new tabs and windows (modifier keys, middle click).
        if (
          event.defaultPrevented ||
          event.button !== 0 ||
          event.metaKey ||
          event.ctrlKey ||
          event.shiftKey ||
          event.altKey
        )
          return;
        event.preventDefault();
        void router.navigate({ href });
      }}
    >
      {children}
    </a>
  );
}
