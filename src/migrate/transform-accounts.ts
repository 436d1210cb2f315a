/**
 * One WHMCS account (a tblclients row) → the Keel login it belongs to and the billing details kept for it. Pure,
 * like transform.ts: the run decides nothing about an account itself.
 */
import { keelHashForWhmcs } from '../server/auth/legacy-passwords.ts';
import type { UserRow } from './load-users.ts';
import { dateOrNull, decodeOnce, isDoubleEncoded, normalizeEmail } from './rules.ts';
import type { ClientRow } from './whmcs.ts';

/**
 * One WHMCS account's billing details, as kept in `users.legacy_attributes.whmcsAccounts[<tblclients.id>]`:
 * display text decoded once, the email normalised, dates as `YYYY-MM-DD` (zero → null). Never card or bank
 * data, passwords, security answers or reset keys.
 */
export type AccountDetails = Pick<
  ClientRow,
  | 'email'
  | 'address1'
  | 'address2'
  | 'city'
  | 'state'
  | 'postcode'
  | 'country'
  | 'taxId'
  | 'status'
  | 'currency'
  | 'credit'
  | 'taxExempt'
  | 'separateInvoices'
  | 'defaultGateway'
  | 'language'
  | 'notes'
  | 'marketingOptIn'
> & {
  firstName: string;
  lastName: string;
  companyName: string;
  phoneNumber: string;
  clientGroupId: number;
  createdOn: string | null;
  /** Client custom fields by field name (newest value), decoded once. */
  customFields: Record<string, string>;
};

export function accountDetails(c: ClientRow, customFields: Record<string, string>): AccountDetails {
  const text = (v: string) => decodeOnce(v).trim();
  return {
    email: normalizeEmail(c.email),
    firstName: decodeOnce(c.firstname),
    lastName: decodeOnce(c.lastname),
    companyName: decodeOnce(c.companyname),
    address1: text(c.address1),
    address2: text(c.address2),
    city: text(c.city),
    state: text(c.state),
    postcode: c.postcode.trim(),
    country: c.country.trim(),
    phoneNumber: c.phonenumber.trim(),
    taxId: c.taxId.trim(),
    status: c.status,
    currency: c.currency,
    credit: c.credit,
    taxExempt: c.taxExempt,
    separateInvoices: c.separateInvoices,
    defaultGateway: c.defaultGateway,
    language: c.language,
    clientGroupId: c.groupId,
    notes: decodeOnce(c.notes),
    marketingOptIn: c.marketingOptIn,
    createdOn: dateOrNull(c.datecreated),
    customFields: Object.fromEntries(
      Object.entries(customFields).map(([k, v]) => [decodeOnce(k), decodeOnce(v)]),
    ),
  };
}

/**
 * The login an account belongs to in WHMCS: its owner (tblusers_clients.owner = 1) as `u<tblusers.id>`, or on
 * installs older than WHMCS 8 the account itself as `c<tblclients.id>`; with that login's email as stored.
 */
export function ownLogin(c: ClientRow): { key: string; email: string } {
  return c.ownerUserId === null
    ? { key: `c${c.id}`, email: c.email }
    : { key: `u${c.ownerUserId}`, email: c.ownerEmail! };
}

/** The WHMCS ids a login key stands for (see ownLogin). */
export function loginIds(key: string): Pick<UserRow, 'legacyWhmcsUserId' | 'legacyWhmcsClientId'> {
  return {
    legacyWhmcsUserId: key[0] === 'u' ? Number(key.slice(1)) : null,
    legacyWhmcsClientId: key[0] === 'c' ? Number(key.slice(1)) : null,
  };
}

/** What the report says about an account's own text: a name or company still entity-encoded after one decode. */
export function accountWarnings(c: ClientRow): string[] {
  return [c.firstname, c.lastname, c.companyname].some(isDoubleEncoded) ? ['double-encoded-entity'] : [];
}

/**
 * The Keel user of login `key`, from the account it is first met with: the login's email normalised, its name
 * decoded once, its WHMCS password hash in the form Keel verifies. A hash of no known shape becomes a value no
 * password matches (the user must reset it), and says so in `warnings`.
 */
export function newUser(
  c: ClientRow,
  key: string,
  accounts: UserRow['accounts'],
): { row: UserRow; warnings: string[] } {
  const legacyLogin = c.ownerUserId === null;
  const hash = keelHashForWhmcs(legacyLogin ? c.password : c.ownerPassword!);
  const name = legacyLogin
    ? `${decodeOnce(c.firstname)} ${decodeOnce(c.lastname)}`.trim()
    : `${decodeOnce(c.ownerFirstName ?? '')} ${decodeOnce(c.ownerLastName ?? '')}`.trim();
  return {
    row: {
      ...loginIds(key),
      email: normalizeEmail(ownLogin(c).email),
      name,
      // Fails closed: `!` can never be produced by any scheme verifyPassword accepts.
      passwordHash: hash?.stored ?? '!whmcs-unknown-hash-shape',
      accounts,
    },
    warnings: hash ? [] : ['unknown-password-hash-shape: the user must reset their password'],
  };
}
