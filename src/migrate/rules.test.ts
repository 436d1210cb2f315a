import { describe, expect, it } from 'vitest';
import { defaultMapping } from './mapping.ts';
import {
  camelKey,
  dateOrNull,
  decodeOnce,
  isDoubleEncoded,
  keelStatus,
  normalizeEmail,
  parseAttribute,
  parseVmid,
  resolveFields,
  resolveOptions,
  resolveSharedEmails,
  serverName,
  serviceSkipReason,
  clientSkipReason,
  splitIpList,
  splitKeyLabel,
  type OptionDef,
} from './rules.ts';
import {
  accountDetails,
  productSpecs,
  pveMismatches,
  transformService,
  type Catalogue,
  type Product,
} from './transform.ts';
import type { ClientRow } from './source.ts';

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

const memory: OptionDef = {
  id: 1,
  name: 'memory|Memory',
  type: '1',
  subs: [
    { id: 1, name: '2048|2 GB', sortorder: 1, hidden: false },
    { id: 2, name: '4096|4 GB', sortorder: 2, hidden: false },
    { id: 5, name: '1024|1 GB (retired)', sortorder: 0, hidden: true },
  ],
};
const extraIp: OptionDef = {
  id: 4,
  name: 'extra_ipv4|Extra IPv4',
  type: '3',
  subs: [{ id: 14, name: '1 IP', sortorder: 0, hidden: false }],
};
const cores: OptionDef = {
  id: 7,
  name: 'CPU Cores',
  type: '4',
  subs: [{ id: 23, name: 'vCPU', sortorder: 0, hidden: false }],
};

describe('configurable options', () => {
  it.each([
    [
      'dropdown takes optionid',
      [{ id: 1, configid: 1, optionid: 2, qty: 0 }],
      { kind: 'choice', key: '4096', label: '4 GB' },
      [],
    ],
    [
      'newest duplicate wins',
      [
        { id: 9, configid: 1, optionid: 1, qty: 0 },
        { id: 3, configid: 1, optionid: 2, qty: 0 },
      ],
      { kind: 'choice', key: '2048', label: '2 GB' },
      ['duplicate-config-option-rows'],
    ],
    [
      'missing row → first visible sub',
      [],
      { kind: 'choice', key: '2048', label: '2 GB' },
      ['config-options-missing-defaults-applied'],
    ],
    [
      'deleted sub → default + orphan',
      [{ id: 1, configid: 1, optionid: 9002, qty: 0 }],
      { kind: 'choice', key: '2048', label: '2 GB' },
      ['orphan-config-option-row'],
    ],
    [
      'deleted option is ignored',
      [
        { id: 1, configid: 1, optionid: 1, qty: 0 },
        { id: 2, configid: 9001, optionid: 9003, qty: 1 },
      ],
      { kind: 'choice', key: '2048', label: '2 GB' },
      ['orphan-config-option-row'],
    ],
  ] as const)('%s', (_name, rows, value, warnings) => {
    const r = resolveOptions([memory], rows);
    expect(r.options[0]!.value).toEqual(value);
    expect(r.warnings.sort()).toEqual([...warnings]);
  });

  it.each([
    [extraIp, 1, { kind: 'bool', value: true }],
    [extraIp, 0, { kind: 'bool', value: false }],
    [cores, 6, { kind: 'quantity', qty: 6, unit: 'vCPU' }],
  ] as const)('yes/no and quantity read qty (%#)', (option, qty, value) => {
    // optionid points at the single unit sub and is not the value: a wrong optionid changes nothing.
    const r = resolveOptions([option], [{ id: 1, configid: option.id, optionid: 999, qty }]);
    expect(r.options[0]!.value).toEqual(value);
  });

  it('missing yes/no is off and missing quantity is 0', () => {
    const r = resolveOptions([extraIp, cores], []);
    expect(r.options.map((o) => o.value)).toEqual([
      { kind: 'bool', value: false },
      { kind: 'quantity', qty: 0, unit: 'vCPU' },
    ]);
  });

  it('compares optiontype as a string', () => {
    const numeric = { ...extraIp, type: 3 as unknown as string };
    expect(
      resolveOptions([numeric], [{ id: 1, configid: 4, optionid: 14, qty: 1 }]).options[0]!.value.kind,
    ).toBe('choice');
  });
});

describe('custom fields', () => {
  const os = {
    id: 1,
    name: 'OS_Image_Template|Operating System',
    fieldtype: 'dropdown',
    fieldoptions: 'ubuntu|Ubuntu,debian|Debian &quot;B&quot;',
  };
  const notes = { id: 2, name: 'notes|Provisioning Notes', fieldtype: 'textarea', fieldoptions: '' };
  const pw = { id: 3, name: 'Password', fieldtype: 'password', fieldoptions: '' };
  it.each([
    ['dropdown key', [{ id: 1, fieldid: 1, value: 'debian|Debian &quot;B&quot;' }], 0, 'debian', []],
    [
      'value outside the list kept',
      [{ id: 1, fieldid: 1, value: 'alma|Alma' }],
      0,
      'alma',
      ['custom-field-value-not-in-options'],
    ],
    [
      'newest duplicate wins',
      [
        { id: 5, fieldid: 1, value: 'ubuntu|Ubuntu' },
        { id: 2, fieldid: 1, value: 'debian|Debian' },
      ],
      0,
      'ubuntu',
      ['duplicate-custom-field-values'],
    ],
    [
      'text decoded once',
      [{ id: 1, fieldid: 2, value: 'A &amp;amp; B' }],
      1,
      'A &amp; B',
      ['double-encoded-entity'],
    ],
    ['password never decoded', [{ id: 1, fieldid: 3, value: 'YWJj&amp;==' }], 2, 'YWJj&amp;==', []],
  ] as const)('%s', (_n, rows, index, value, warnings) => {
    const r = resolveFields([os, notes, pw], rows);
    expect(r.fields[index]!.value).toBe(value);
    expect(r.warnings).toEqual([...warnings]);
  });
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

describe('transformService', () => {
  const product: Product = {
    id: 3,
    name: 'VPS L &amp; Power',
    servertype: 'proxmoxVPS',
    moduleSettings: ['4', '8192', '160', 'ubuntu-24.04-cloudinit', 'vmbr0'],
    options: [
      { id: 6, name: 'Memory', type: '1', subs: [{ id: 18, name: '0.5 GB', sortorder: 1, hidden: false }] },
      cores,
      { id: 8, name: 'Disk Space', type: '4', subs: [{ id: 24, name: 'GB', sortorder: 0, hidden: false }] },
      { id: 10, name: 'Backups', type: '2', subs: [{ id: 27, name: 'Weekly', sortorder: 1, hidden: false }] },
      { id: 11, name: 'Snapshots', type: '3', subs: [{ id: 30, name: 'on', sortorder: 0, hidden: false }] },
    ],
    fields: [
      {
        id: 11,
        name: 'OS_Image_Template',
        fieldtype: 'dropdown',
        fieldoptions: 'ubuntu-24.04-cloudinit|Ubuntu',
      },
      {
        id: 12,
        name: 'DataCenter_Location',
        fieldtype: 'dropdown',
        fieldoptions: 'fra1|Frankfurt &amp; Main',
      },
      { id: 13, name: 'VMID', fieldtype: 'text', fieldoptions: '' },
      { id: 14, name: 'Root Password', fieldtype: 'password', fieldoptions: '' },
      { id: 15, name: 'Customer Ref', fieldtype: 'text', fieldoptions: '' },
    ],
  };
  const catalogue: Catalogue = {
    products: new Map([[3, product]]),
    servers: new Map([[1, { id: 1, type: 'proxmoxVPS', hostname: 'pve1.fra1.example.net' }]]),
    modulePlans: new Map(),
    moduleNodes: new Map(),
  };
  const service = {
    id: 3,
    userid: 1,
    packageid: 3,
    server: 1,
    regdate: '0000-00-00',
    domain: 'big.example.com',
    billingcycle: 'Monthly',
    amount: '20.00',
    nextduedate: null,
    domainstatus: 'Suspended',
    dedicatedip: '10.0.0.3',
    assignedips: '',
    clientStatus: 'Active',
  };
  const rows = [
    { id: 1, configid: 6, optionid: 18, qty: 0 },
    { id: 2, configid: 7, optionid: 23, qty: 6 },
    { id: 3, configid: 8, optionid: 24, qty: 250 },
    { id: 4, configid: 10, optionid: 27, qty: 0 },
    { id: 5, configid: 11, optionid: 30, qty: 1 },
  ];
  const fields = [
    { id: 1, fieldid: 11, value: 'ubuntu-24.04-cloudinit|Ubuntu' },
    { id: 2, fieldid: 12, value: 'fra1|Frankfurt &amp; Main' },
    { id: 3, fieldid: 13, value: '10003' },
    { id: 4, fieldid: 14, value: 'Q2lwaGVy' },
    { id: 5, fieldid: 15, value: 'R&amp;D-7' },
  ];

  it('maps specs, image, location, VMID and keeps the rest verbatim', () => {
    const r = transformService(
      { service, optionRows: rows, fieldRows: fields, moduleVm: null },
      catalogue,
      defaultMapping,
      null,
    );
    expect(r).toMatchObject({
      kind: 'server',
      name: 'big.example.com',
      cpuCores: 6,
      memoryMb: 512,
      diskGb: 250,
      vmid: 10003,
      node: 'pve1',
      status: 'suspended',
      ipAddress: '10.0.0.3',
      image: { key: 'ubuntu-24.04-cloudinit', label: 'Ubuntu' },
      location: { key: 'fra1', label: 'Frankfurt & Main' },
      legacy: {
        productName: 'VPS L & Power',
        regDate: null,
        nextDueDate: null,
        backups: 'Weekly',
        extraIpv4: null,
        rootPasswordCiphertext: 'Q2lwaGVy',
        'option.snapshots': true,
        'field.customerRef': 'R&D-7',
      },
      warnings: [],
    });
  });

  it('takes the node from PVE and the status from the VM when PVE knows the VMID', () => {
    const active = { ...service, domainstatus: 'Active' };
    const pve = new Map([[10003, { node: 'pve3', status: 'stopped' as const }]]);
    const r = transformService(
      { service: active, optionRows: rows, fieldRows: fields, moduleVm: null },
      catalogue,
      defaultMapping,
      pve,
    );
    expect(r).toMatchObject({ node: 'pve3', status: 'stopped' });
  });

  it('fails a record whose specs cannot be resolved, and skips one without a VMID', () => {
    const bare: Product = { ...product, moduleSettings: [], options: [] };
    const cat = { ...catalogue, products: new Map([[3, bare]]) };
    expect(
      transformService(
        { service, optionRows: [], fieldRows: fields, moduleVm: null },
        cat,
        defaultMapping,
        null,
      ).kind,
    ).toBe('fail');
    expect(
      transformService(
        { service, optionRows: rows, fieldRows: fields.slice(0, 2), moduleVm: null },
        catalogue,
        defaultMapping,
        null,
      ),
    ).toMatchObject({ kind: 'skip', reason: 'missing-vmid' });
  });

  it('plan defaults fall back to module settings when a quantity default is 0', () => {
    expect(productSpecs(product, catalogue, defaultMapping)).toEqual({
      cpuCores: 4,
      memoryMb: 512,
      diskGb: 160,
    });
  });
});

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

describe('pveMismatches (--verify-pve)', () => {
  const server = { cpuCores: 2, memoryMb: 4096, diskGb: 50, node: 'pve1' };
  const vm = {
    node: 'pve1',
    status: 'running' as const,
    maxcpu: 2,
    maxmem: 4096 * 1024 ** 2,
    maxdisk: 50 * 1024 ** 3,
  };
  it.each([
    ['a matching VM', vm, []],
    ['a missing VM', undefined, ['VMID does not exist on PVE']],
    ['other cores', { ...vm, maxcpu: 4 }, ['PVE has 4 cores, Keel 2']],
    ['other memory', { ...vm, maxmem: 2048 * 1024 ** 2 }, ['PVE has 2048 MB memory, Keel 4096']],
    ['other disk', { ...vm, maxdisk: 80 * 1024 ** 3 }, ['PVE has 80.0 GB disk, Keel 50']],
    ['another node', { ...vm, node: 'pve2' }, ['on node pve2, Keel says pve1']],
    ['specs PVE did not report are not compared', { node: 'pve1', status: 'stopped' as const }, []],
    [
      'two differences',
      { ...vm, maxcpu: 1, node: 'pve2' },
      ['on node pve2, Keel says pve1', 'PVE has 1 cores, Keel 2'],
    ],
  ] as const)('%s', (_n, pve, problems) => expect(pveMismatches(server, pve)).toEqual(problems));
});
