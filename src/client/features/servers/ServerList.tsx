import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../lib/trpc.ts';

export function ServerList() {
  const trpc = useTRPC();
  const servers = useQuery(trpc.servers.list.queryOptions());
  if (servers.isPending) return <p className="text-slate-500">Loading servers…</p>;
  if (servers.isError) return <p role="alert">Could not load your servers: {servers.error.message}</p>;
  if (servers.data.servers.length === 0) return <p className="text-slate-600">You have no servers yet.</p>;
  return (
    <table className="w-full text-left text-sm">
      <thead>
        <tr className="border-b text-slate-500">
          <th className="py-2">Name</th>
          <th>Status</th>
          <th>IP address</th>
          <th>vCPU / RAM / Disk</th>
        </tr>
      </thead>
      <tbody>
        {servers.data.servers.map((s) => (
          <tr key={s.id} className="border-b">
            <td className="py-2 font-medium">{s.name}</td>
            <td>{s.status}</td>
            <td>{s.ipAddress ?? '—'}</td>
            <td>
              {s.cpuCores} / {s.memoryMb / 1024} GB / {s.diskGb} GB
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
