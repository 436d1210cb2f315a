import { useParams } from '@tanstack/react-router';
import { CustomerPage } from './CustomerPage.tsx';

/** /admin/customers/$customerId: a fresh page per account, so no state carries over from the last one. */
export function CustomerRoute() {
  const { customerId } = useParams({ from: '/signedIn/admin/customers/$customerId' });
  return <CustomerPage key={customerId} id={customerId} />;
}
