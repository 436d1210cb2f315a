import { Link } from '@tanstack/react-router';
import { nameLinkClass } from '../../../components/link-styles.ts';

/** A server's name, linking to its page in the console. */
export function AdminServerNameLink({ server }: { server: { id: string; name: string } }) {
  return (
    <Link to="/admin/servers/$serverId" params={{ serverId: server.id }} className={nameLinkClass}>
      {server.name}
    </Link>
  );
}
