/**
 * The operator console's frame: its title and the section navigation, with the section's page below.
 * The route guard has already let only admins in; the API refuses everybody else as well.
 */
import { Link, Outlet } from '@tanstack/react-router';

const sections = [
  { to: '/admin', label: 'Overview', exact: true },
  { to: '/admin/catalogue', label: 'Catalogue' },
  { to: '/admin/customers', label: 'Customers' },
  { to: '/admin/servers', label: 'Servers' },
  { to: '/admin/audit-log', label: 'Audit log' },
  { to: '/admin/webhooks', label: 'Webhooks' },
] as const;

export function AdminLayout() {
  return (
    <div className="space-y-6">
      <div>
        <p className="text-xs font-semibold tracking-wide text-sky-700 uppercase">Operator console</p>
        <h1 className="mt-1 text-2xl font-semibold tracking-tight text-slate-900">Run this Keel</h1>
      </div>
      <nav aria-label="Operator console" className="flex gap-1 overflow-x-auto border-b border-slate-200">
        {sections.map((section) => (
          <Link
            key={section.to}
            to={section.to}
            activeOptions={{ exact: 'exact' in section }}
            className="-mb-px border-b-2 border-transparent px-3 py-2 text-sm font-medium whitespace-nowrap text-slate-600 hover:text-slate-900 focus-visible:rounded-t-md focus-visible:outline-2 focus-visible:outline-sky-600 aria-[current=page]:border-slate-900 aria-[current=page]:text-slate-900"
          >
            {section.label}
          </Link>
        ))}
      </nav>
      <Outlet />
    </div>
  );
}
