import { Link } from '@tanstack/react-router';

/** Any address the dashboard does not have, and the console for anyone who is not an admin. */
export function NotFound() {
  return (
    <div className="py-16 text-center">
      <h1 className="text-xl font-semibold text-slate-900">Page not found</h1>
      <p className="mt-2 text-sm text-slate-600">
        <Link to="/servers" className="font-medium text-sky-700 hover:underline">
          Go to your servers
        </Link>
      </p>
    </div>
  );
}
