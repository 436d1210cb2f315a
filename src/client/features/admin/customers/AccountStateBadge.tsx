import { StateBadge } from '../components/StateBadge.tsx';

/** Whether an account may sign in. */
export function AccountStateBadge({ disabled }: { disabled: boolean }) {
  return <StateBadge tone={disabled ? 'bad' : 'good'}>{disabled ? 'Disabled' : 'Enabled'}</StateBadge>;
}
