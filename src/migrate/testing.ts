/** Fixtures for the migrator's tests. */
import type { ClientRow } from './whmcs.ts';

/** A tblclients row as source.ts reads it: an Active account with every detail empty, but for `patch`. */
export function clientRow(patch: Partial<ClientRow> & Pick<ClientRow, 'id' | 'email'>): ClientRow {
  return {
    status: 'Active',
    password: '',
    firstname: '',
    lastname: '',
    companyname: '',
    address1: '',
    address2: '',
    city: '',
    state: '',
    postcode: '',
    country: '',
    phonenumber: '',
    taxId: '',
    currency: null,
    credit: '0.00',
    taxExempt: false,
    separateInvoices: false,
    defaultGateway: '',
    language: '',
    groupId: 0,
    notes: '',
    marketingOptIn: false,
    datecreated: null,
    ownerUserId: null,
    ownerEmail: null,
    ownerPassword: null,
    ownerFirstName: null,
    ownerLastName: null,
    ...patch,
  };
}
