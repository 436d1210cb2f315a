import { describe, expect, it } from 'vitest';
import {
  camelKey,
  dateOrNull,
  decodeOnce,
  isDoubleEncoded,
  keelStatus,
  matchCatalogueEntry,
  normalizeEmail,
  parseAttribute,
  parseVmid,
  resolveSharedEmails,
  serverName,
  serviceSkipReason,
  clientSkipReason,
  splitIpList,
  splitKeyLabel,
} from './rules.ts';

describe('text', () => {
  it.each([
    ['O&#039;Brien &amp; Sons', "O'Brien & Sons"],
    ['Tom &amp;amp; Jerry', 'Tom &amp; Jerry'],
    ['Debian 12 &quot;Bookworm&quot;', 'Debian 12 "Bookworm"'],
    ['Café &lt;Web&gt;', 'Café <Web>'],
    ['&#x5c71;田', '山田'],
    ['&unknown; stays', '&unknown; stays'],
  ])('decodeOnce(%j) = %j', (raw, decoded) => expect(decodeOnce(raw)).toBe(decoded));

  it.each([
    ['Tom &amp;amp; Jerry', true],
    ['Tom &amp; Jerry', false],
    ['plain', false],
  ])('isDoubleEncoded(%j) = %j', (raw, yes) => expect(isDoubleEncoded(raw)).toBe(yes));

  it.each([
    ['memory|Memory', 'memory', 'Memory'],
    ['2048|2 GB', '2048', '2 GB'],
    ['|starts with pipe', '|starts with pipe', '|starts with pipe'],
    ['Memory', 'Memory', 'Memory'],
    ['a|b|c', 'a', 'b|c'],
    [' fra1 | Frankfurt ', 'fra1', 'Frankfurt'],
  ])('splitKeyLabel(%j)', (name, key, label) => expect(splitKeyLabel(name)).toEqual({ key, label }));

  it.each([
    ['Zoe.Angstrom@Example.COM  ', 'zoe.angstrom@example.com'],
    ['a&amp;b@x.test', 'a&b@x.test'],
  ])('normalizeEmail(%j)', (raw, email) => expect(normalizeEmail(raw)).toBe(email));

  it.each([
    ['0000-00-00', null],
    ['0000-00-00 00:00:00', null],
    ['', null],
    [null, null],
    ['2024-06-01', '2024-06-01'],
  ])('dateOrNull(%j)', (raw, date) => expect(dateOrNull(raw)).toBe(date));

  it.each([
    ['extra_ipv4', 'extraIpv4'],
    ['Extra IPv4', 'extraIpv4'],
    ['Root Password', 'rootPassword'],
    ['', 'unnamed'],
  ])('camelKey(%j)', (raw, key) => expect(camelKey(raw)).toBe(key));
});

describe('units', () => {
  it.each([
    ['memoryMb', '0.5 GB', 512],
    ['memoryMb', '2048', 2048],
    ['memoryMb', '4 GB', 4096],
    ['memoryMb', '8192MB', 8192],
    ['memoryMb', '16G', 16384],
    ['memoryMb', '4096MB', 4096],
    ['memoryMb', '2G', 2048],
    ['memoryMb', '4', 4096],
    ['memoryMb', '1 TB', 1048576],
    ['diskGb', '50GB', 50],
    ['diskGb', '100 GB', 100],
    ['diskGb', '40', 40],
    ['diskGb', '1 TB', 1024],
    ['diskGb', '1536MB', 2],
    ['cpuCores', '2 vCPU', 2],
    ['cpuCores', '4', 4],
    ['cpuCores', '8 cores', 8],
    ['cpuCores', 'lots', null],
    ['memoryMb', 'none', null],
    ['diskGb', '0 GB', null],
  ] as const)('%s from %j = %j', (attr, text, value) => expect(parseAttribute(attr, text)).toBe(value));
});

describe('scope and naming', () => {
  const base = {
    productIsServer: true,
    serverIsProxmox: true,
    clientStatus: 'Active',
    migrateClientStatuses: ['Active'],
    domainstatus: 'Active',
    vmid: 10001,
  };
  it.each([
    [{}, null],
    [{ domainstatus: 'Suspended' }, null],
    [{ clientStatus: 'Inactive' }, 'client-inactive'],
    [{ clientStatus: 'Inactive', migrateClientStatuses: ['Active', 'Inactive'] }, null],
    [{ clientStatus: 'Inactive', productIsServer: false }, 'not-proxmox-product'],
    [{ clientStatus: 'Inactive', domainstatus: 'Terminated' }, 'client-inactive'],
    [{ clientStatus: 'Weird' }, 'client-status'],
    [{ productIsServer: false, serverIsProxmox: false }, 'not-proxmox-product'],
    [{ serverIsProxmox: false, clientStatus: 'Closed' }, 'server-not-proxmox'],
    [{ clientStatus: 'Closed', domainstatus: 'Terminated' }, 'client-closed'],
    [{ domainstatus: 'Pending', vmid: null }, 'not-provisioned'],
    [{ domainstatus: 'Fraud' }, 'service-ended'],
    [{ domainstatus: 'Completed' }, 'service-ended'],
    [{ vmid: null }, 'missing-vmid'],
  ] as const)('%j → %s', (patch, reason) => expect(serviceSkipReason({ ...base, ...patch })).toBe(reason));

  it.each([
    ['Active', ['Active'], null],
    ['Inactive', ['Active'], 'client-inactive'],
    ['Closed', ['Active'], 'client-closed'],
    ['Inactive', ['Active', 'Inactive'], null],
    ['Closed', ['Active', 'Inactive'], 'client-closed'],
    ['Active', ['Inactive'], 'client-status'],
    ['', ['Active'], 'client-status'],
  ] as const)('clientSkipReason(%j, %j) → %s', (status, statuses, reason) =>
    expect(clientSkipReason(status, statuses)).toBe(reason),
  );

  it.each([
    ['web1.example.com', 5, 'web1.example.com', false],
    ['  caf&eacute; &amp; co ', 5, 'caf&eacute; & co', false],
    ['', 7, 'whmcs-7', true],
    [null, 8, 'whmcs-8', true],
    ['bad\u0001name', 9, 'whmcs-9', true],
  ] as const)('serverName(%j)', (domain, id, name, fallback) =>
    expect(serverName(domain, id)).toEqual({ name, fallback }),
  );

  it.each([
    ['10123', 10123],
    [' 10123 ', 10123],
    ['', null],
    ['99', null],
    ['12a', null],
    [null, null],
  ] as const)('parseVmid(%j) = %j', (v, n) => expect(parseVmid(v)).toBe(n));

  it.each([
    ['Suspended', 'running', 'suspended'],
    ['Active', 'stopped', 'stopped'],
    ['Active', null, 'running'],
  ] as const)('keelStatus(%s, %s) = %s', (s, p, k) => expect(keelStatus(s, p)).toBe(k));

  it('splits assigned IPs on newlines and commas', () => {
    expect(splitIpList('10.0.0.1\n10.0.0.2, 10.0.0.3\r\n')).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(splitIpList(null)).toEqual([]);
  });

  it('shared emails: the lowest id keeps the email, the others resolve to it', () => {
    const r = resolveSharedEmails([
      { id: 9, email: 'Max@Shared.example ' },
      { id: 5, email: 'max@shared.example' },
      { id: 6, email: 'other@x.test' },
    ]);
    expect([...r]).toEqual([
      [9, 5],
      [5, 5],
      [6, 6],
    ]);
  });
});

describe('logins sharing an email', () => {
  it('resolves batches read in id order as if the source had been read whole', () => {
    const winners = new Map<string, number>();
    const first = resolveSharedEmails(
      [
        { id: 2, email: 'max@shared.example' },
        { id: 3, email: 'solo@x.test' },
      ],
      winners,
    );
    const second = resolveSharedEmails(
      [
        { id: 7, email: ' MAX@shared.example' },
        { id: 8, email: 'new@x.test' },
      ],
      winners,
    );
    expect([...first]).toEqual([
      [2, 2],
      [3, 3],
    ]);
    expect([...second]).toEqual([
      [7, 2],
      [8, 8],
    ]);
  });

  it('decodes an email once before comparing: a double-encoded one is another email', () => {
    const r = resolveSharedEmails([
      { id: 1, email: 'a&amp;b@x.test' },
      { id: 2, email: 'a&b@x.test' },
      { id: 3, email: 'a&amp;amp;b@x.test' },
    ]);
    expect([...r]).toEqual([
      [1, 1],
      [2, 1],
      [3, 3],
    ]);
  });
});

describe('Keel catalogue entries (images, locations)', () => {
  const index = {
    bySlug: new Map([
      ['ubuntu-24.04', 'id-ubuntu'],
      ['fra1', 'id-fra1'],
    ]),
    byName: new Map([
      ['debian 12', 'id-debian'],
      ['amsterdam', 'id-ams'],
    ]),
  };
  it.each([
    ['the slug of the key', { key: 'Ubuntu 24.04', label: 'x' }, {}, { id: 'id-ubuntu' }],
    ['the name of the key', { key: 'Debian 12', label: 'x' }, {}, { id: 'id-debian' }],
    ['the name of the label', { key: 'ams1', label: 'Amsterdam' }, {}, { id: 'id-ams' }],
    ['the alias first', { key: 'Ubuntu 24.04', label: '' }, { 'Ubuntu 24.04': 'fra1' }, { id: 'id-fra1' }],
    [
      'a new closed entry under the key’s slug, named by the label',
      { key: 'Alma 9', label: 'AlmaLinux 9' },
      {},
      { create: { slug: 'alma-9', name: 'AlmaLinux 9' } },
    ],
    [
      'a new entry named by the key when there is no label',
      { key: 'Alma 9', label: '' },
      {},
      { create: { slug: 'alma-9', name: 'Alma 9' } },
    ],
  ])('matches %s', (_n, value, aliases, match) =>
    expect(matchCatalogueEntry('image', value, index, aliases)).toEqual(match),
  );

  it('fails a value whose alias names an entry Keel does not have', () => {
    expect(() =>
      matchCatalogueEntry('location', { key: 'fra1', label: '' }, index, { fra1: 'frankfurt' }),
    ).toThrow('mapping names location "frankfurt" for "fra1", but Keel has no such location');
  });
});
