import { describe, expect, it } from 'vitest';
import { accountDetails, accountWarnings, loginIds, newUser, ownLogin } from './transform-accounts.ts';
import { clientRow } from './testing.ts';
import type { ClientRow } from './whmcs.ts';

describe('account billing details (users.legacy_attributes.whmcsAccounts)', () => {
  const client: ClientRow = {
    id: 4,
    status: 'Active',
    email: ' Tom@Example.COM ',
    password: '$2y$10$secret',
    firstname: 'Zo&#235;',
    lastname: '&Aring;ngstr&ouml;m',
    companyname: 'Tom &amp;amp; Jerry Ltd',
    address1: ' 1 Rue &amp; Co ',
    address2: '',
    city: 'K&#xF6;ln',
    state: 'NRW',
    postcode: ' 50667 ',
    country: 'DE',
    phonenumber: '+49.221 1',
    taxId: 'DE123',
    currency: 'EUR',
    credit: '12.50',
    taxExempt: true,
    separateInvoices: false,
    defaultGateway: 'paypal',
    language: 'german',
    groupId: 2,
    notes: 'VIP &lt;3',
    marketingOptIn: false,
    datecreated: '0000-00-00',
    ownerUserId: 9,
    ownerEmail: 'tom@example.com',
    ownerPassword: 'x',
    ownerFirstName: 'Tom',
    ownerLastName: 'T',
  };
  it.each([
    ['email normalised', 'email', 'tom@example.com'],
    ['names decoded once', 'firstName', 'Zoë'],
    ['double encoding survives one decode', 'companyName', 'Tom &amp; Jerry Ltd'],
    ['address decoded and trimmed', 'address1', '1 Rue & Co'],
    ['city decoded', 'city', 'Köln'],
    ['postcode trimmed', 'postcode', '50667'],
    ['tax id', 'taxId', 'DE123'],
    ['currency code', 'currency', 'EUR'],
    ['credit kept as the decimal text', 'credit', '12.50'],
    ['flags as booleans', 'taxExempt', true],
    ['client group', 'clientGroupId', 2],
    ['notes decoded once', 'notes', 'VIP <3'],
    ['zero date → null', 'createdOn', null],
    ['status', 'status', 'Active'],
    ['custom fields decoded', 'customFields', { 'vat_number|VAT Number': 'R&D' }],
  ] as const)('%s', (_n, key, value) => {
    const d = accountDetails(client, { 'vat_number|VAT Number': 'R&amp;D' });
    expect(d[key]).toEqual(value);
  });
  it('never carries the password or card data', () => {
    const text = JSON.stringify(accountDetails({ ...client, datecreated: '2020-02-03 00:00:00' }, {}));
    expect(text).not.toContain('secret');
    expect(text).toContain('"createdOn":"2020-02-03"');
  });
});

describe('logins', () => {
  const client = clientRow({
    id: 12,
    email: 'Legacy@Example.COM ',
    firstname: 'Se&#225;n',
    lastname: 'O&#039;Brien',
    ownerUserId: 40,
    ownerEmail: ' Owner@Example.COM',
    ownerPassword: '5f4dcc3b5aa765d61d8327deb882cf99',
    ownerFirstName: 'Ow&amp;ner',
    ownerLastName: 'One',
  });
  const legacy: ClientRow = {
    ...client,
    ownerUserId: null,
    ownerEmail: null,
    ownerPassword: null,
    ownerFirstName: null,
    ownerLastName: null,
    password: 'no hash shape at all',
  };

  it('an account belongs to its owner login, or on old installs is its own login', () => {
    expect(ownLogin(client)).toEqual({ key: 'u40', email: ' Owner@Example.COM' });
    expect(ownLogin(legacy)).toEqual({ key: 'c12', email: 'Legacy@Example.COM ' });
    expect(loginIds('u40')).toEqual({ legacyWhmcsUserId: 40, legacyWhmcsClientId: null });
    expect(loginIds('c12')).toEqual({ legacyWhmcsUserId: null, legacyWhmcsClientId: 12 });
  });

  it('the Keel user of an owner login: its email, name and WHMCS hash in Keel’s form', () => {
    const accounts = { '12': accountDetails(client, {}) };
    expect(newUser(client, 'u40', accounts)).toEqual({
      row: {
        legacyWhmcsUserId: 40,
        legacyWhmcsClientId: null,
        email: 'owner@example.com',
        name: 'Ow&ner One',
        passwordHash: '$whmcs-md5$5f4dcc3b5aa765d61d8327deb882cf99',
        accounts,
      },
      warnings: [],
    });
  });

  it('a hash of no known shape fails closed and says the user must reset their password', () => {
    const { row, warnings } = newUser(legacy, 'c12', {});
    expect(row).toMatchObject({ email: 'legacy@example.com', name: "Seán O'Brien" });
    expect(row.passwordHash).toBe('!whmcs-unknown-hash-shape');
    expect(warnings).toEqual(['unknown-password-hash-shape: the user must reset their password']);
  });

  it('a login merged into another keeps the ids of the login it joins', () => {
    expect(newUser(legacy, 'u40', {}).row).toMatchObject({
      legacyWhmcsUserId: 40,
      legacyWhmcsClientId: null,
    });
  });

  it('reports a name still entity-encoded after one decode', () => {
    expect(accountWarnings(client)).toEqual([]);
    expect(accountWarnings({ ...client, companyname: 'Tom &amp;amp; Jerry' })).toEqual([
      'double-encoded-entity',
    ]);
  });
});
