/** Accounts: what a disabled account hears, and the contract of the profile and password routes. */

export const accountDisabledMessage = 'This account is disabled. Contact your provider to have it enabled.';
