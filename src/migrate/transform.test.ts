import { describe, expect, it } from 'vitest';
import { defaultMapping } from './mapping.ts';
import { productSpecs } from './transform-plans.ts';
import { serverRow, transformService, type ServerRecord } from './transform.ts';
import type { Catalogue, Product } from './whmcs.ts';

describe('transformService', () => {
  const product: Product = {
    id: 3,
    name: 'VPS L &amp; Power',
    servertype: 'proxmoxVPS',
    moduleSettings: ['4', '8192', '160', 'ubuntu-24.04-cloudinit', 'vmbr0'],
    options: [
      { id: 6, name: 'Memory', type: '1', subs: [{ id: 18, name: '0.5 GB', sortorder: 1, hidden: false }] },
      { id: 7, name: 'CPU Cores', type: '4', subs: [{ id: 23, name: 'vCPU', sortorder: 0, hidden: false }] },
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
    // Both quantities start at 0 (no minimum), so the module settings (configoption1/3) give cores and disk.
    expect(productSpecs(product, catalogue, defaultMapping)).toEqual({
      specs: { cpuCores: 4, memoryMb: 512, diskGb: 160 },
      unresolved: [],
    });
  });
});

describe('serverRow', () => {
  it('a server record and the Keel ids it refers to become its servers row', () => {
    const record: ServerRecord = {
      kind: 'server',
      serviceId: 31,
      clientId: 5,
      productId: 4,
      name: 'web.example',
      cpuCores: 2,
      memoryMb: 2048,
      diskGb: 40,
      image: { key: 'debian-12', label: 'Debian 12' },
      location: null,
      vmid: 10031,
      node: 'pve2',
      status: 'suspended',
      ipAddress: null,
      legacy: { whmcsStatus: 'Suspended' },
      warnings: [],
      notes: [],
    };
    expect(
      serverRow(record, { userId: 'u-1', planId: 'p-4', imageId: 'i-debian', locationId: null }),
    ).toEqual({
      legacyWhmcsServiceId: 31,
      userId: 'u-1',
      planId: 'p-4',
      imageId: 'i-debian',
      locationId: null,
      name: 'web.example',
      status: 'suspended',
      cpuCores: 2,
      memoryMb: 2048,
      diskGb: 40,
      ipAddress: null,
      pveNode: 'pve2',
      pveVmid: 10031,
      legacyAttributes: { whmcsStatus: 'Suspended' },
    });
  });
});
