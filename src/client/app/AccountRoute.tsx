/**
 * `/account`: the account page with its sections. The list is put together here, where the app may
 * use any feature, so a feature adds its own section (two-factor security, SSH keys) with one entry
 * below rather than by reaching into the account feature.
 */
import { useNavigate, useSearch } from '@tanstack/react-router';
import { AccountPage, type AccountSection } from '../features/account/components/AccountPage.tsx';
import { PasswordSection } from '../features/account/components/PasswordSection.tsx';
import { ProfileSection } from '../features/account/components/ProfileSection.tsx';
import { SecuritySection } from '../features/account/components/SecuritySection.tsx';
import { TokensSection } from '../features/account/components/TokensSection.tsx';

export const accountSections: readonly AccountSection[] = [
  { value: 'profile', label: 'Profile', Component: ProfileSection },
  { value: 'password', label: 'Password', Component: PasswordSection },
  { value: 'security', label: 'Security', Component: SecuritySection },
  { value: 'tokens', label: 'API tokens', Component: TokensSection },
  // Further sections go here: { value, label, Component }.
];

export function AccountRoute() {
  const { tab } = useSearch({ from: '/signedIn/account' });
  const navigate = useNavigate();
  return (
    <AccountPage
      sections={accountSections}
      tab={tab}
      onTabChange={(next) =>
        void navigate({ to: '/account', search: next === 'profile' ? {} : { tab: next }, replace: true })
      }
    />
  );
}
