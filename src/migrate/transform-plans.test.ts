/**
 * A plan's default specs, rule by rule: each option type alone (dropdown, radio, yes/no, quantity), hidden
 * options and sub-options, sort order, module settings, and the shapes combined, as WHMCS's order form shows a
 * product before the customer picks anything.
 */
import { describe, expect, it } from 'vitest';
import { defaultMapping } from './mapping.ts';
import {
  clampQuantity,
  defaultValue,
  firstVisibleSub,
  orderFormDefaults,
  type OptionDef,
} from './rules-options.ts';
import { planRow, productSpecs } from './transform-plans.ts';
import { transformService } from './transform.ts';
import type { Catalogue, Product } from './whmcs.ts';

const sub = (id: number, name: string, sortorder: number, hidden = false) => ({
  id,
  name,
  sortorder,
  hidden,
});
const dropdown = (
  id: number,
  name: string,
  subs: OptionDef['subs'],
  extra: Partial<OptionDef> = {},
): OptionDef => ({
  id,
  name,
  type: '1',
  subs,
  ...extra,
});
const radio = (id: number, name: string, subs: OptionDef['subs']): OptionDef => ({
  id,
  name,
  type: '2',
  subs,
});
const quantity = (
  id: number,
  name: string,
  unit: string,
  min: number,
  max: number,
  extra: Partial<OptionDef> = {},
): OptionDef => ({
  id,
  name,
  type: '4',
  qtyMinimum: min,
  qtyMaximum: max,
  subs: [sub(id * 10, unit, 0)],
  ...extra,
});
const yesNo = (id: number, name: string): OptionDef => ({ id, name, type: '3', subs: [sub(id * 10, '', 0)] });

function product(options: OptionDef[], moduleSettings: string[] = [], servertype = 'proxmoxVPS'): Product {
  return { id: 8, name: 'Build Your Own', servertype, moduleSettings, options, fields: [] };
}
const catalogueOf = (p: Product): Catalogue => ({
  products: new Map([[p.id, p]]),
  servers: new Map([[1, { id: 1, type: 'proxmoxVPS', hostname: 'pve1.example.net' }]]),
  modulePlans: new Map(),
  moduleNodes: new Map(),
});
const specsOf = (p: Product) => productSpecs(p, catalogueOf(p), defaultMapping);

const memory = dropdown(1, 'memory|Memory', [sub(1, '2048|2 GB', 1), sub(2, '4096|4 GB', 2)]);
const disk = dropdown(3, 'disk|Disk Space', [sub(5, '40|40 GB', 1), sub(6, '80|80 GB', 2)]);
const cores = dropdown(2, 'cpu|CPU Cores', [sub(3, '1|1 vCPU', 1), sub(4, '2|2 vCPU', 2)]);
/** Build your own: cores a quantity within bounds, memory a dropdown whose first choice is hidden. */
const byoCores = quantity(2, 'cores|CPU Cores', 'vCPU', 2, 16);
const byoMemory = dropdown(1, 'memory|Memory', [
  sub(9, '1024|1 GB (sold out)', 0, true),
  sub(1, '2048|2 GB', 1),
  sub(2, '4096|4 GB', 2),
]);

describe('WHMCS defaults of one option (rules-options)', () => {
  it('dropdown and radio: the first visible sub-option by sortorder, then id', () => {
    const o = dropdown(1, 'Memory', [
      sub(9, '8 GB', 1),
      sub(3, '4 GB', 1),
      sub(1, '1 GB', 0, true),
      sub(2, '16 GB', 2),
    ]);
    expect(firstVisibleSub(o)?.id).toBe(3);
    expect(defaultValue(o)).toEqual({ kind: 'choice', key: '4 GB', label: '4 GB' });
    expect(defaultValue({ ...o, type: '2' })).toEqual({ kind: 'choice', key: '4 GB', label: '4 GB' });
  });

  it('dropdown whose sub-options are all hidden: no default', () => {
    expect(defaultValue(dropdown(1, 'Memory', [sub(1, '1 GB', 0, true), sub(2, '2 GB', 1, true)]))).toEqual({
      kind: 'none',
    });
  });

  it('yes/no: off', () => {
    expect(defaultValue(yesNo(4, 'Backups'))).toEqual({ kind: 'bool', value: false });
  });

  it.each([
    [0, 0, 0],
    [2, 16, 2],
    [4, 0, 4],
    [-3, 0, 0], // a negative minimum is none
  ])('quantity with minimum %i, maximum %i: %i', (min, max, expected) => {
    expect(defaultValue(quantity(5, 'CPU Cores', 'vCPU', min, max))).toEqual({
      kind: 'quantity',
      qty: expected,
      unit: 'vCPU',
    });
  });

  it.each([
    [0, 2, 16, 2],
    [1, 2, 16, 2],
    [6, 2, 16, 6],
    [20, 2, 16, 16],
    [20, 0, 0, 20],
    [-1, 2, 0, 2],
  ])('a stored quantity %i within [%i, %i] reads as %i (getCartConfigOptions)', (qty, min, max, expected) => {
    expect(clampQuantity(qty, { qtyMinimum: min, qtyMaximum: max })).toBe(expected);
  });

  it('the order form leaves hidden options out and shows the rest at their defaults', () => {
    const shown = orderFormDefaults([memory, { ...disk, hidden: true }, quantity(5, 'cores', 'vCPU', 2, 8)]);
    expect(shown.map((o) => [o.key, o.value])).toEqual([
      ['memory', { kind: 'choice', key: '2048', label: '2 GB' }],
      ['cores', { kind: 'quantity', qty: 2, unit: 'vCPU' }],
    ]);
  });
});

describe("a plan's default specs (productSpecs)", () => {
  it('dropdowns alone: the first visible choice of each', () => {
    expect(specsOf(product([memory, cores, disk]))).toEqual({
      specs: { cpuCores: 1, memoryMb: 2048, diskGb: 40 },
      unresolved: [],
    });
  });

  it('radios alone: the same rule as a dropdown', () => {
    const p = product([
      radio(1, 'Memory', [sub(1, '8 GB', 2), sub(2, '4 GB', 1)]),
      radio(2, 'CPU', [sub(3, '2 vCPU', 1)]),
      radio(3, 'Disk', [sub(4, '100 GB', 1)]),
    ]);
    expect(specsOf(p).specs).toEqual({ cpuCores: 2, memoryMb: 4096, diskGb: 100 });
  });

  it('a hidden first sub-option is skipped (sortorder 0 but hidden)', () => {
    const p = product([
      dropdown(1, 'memory|Memory', [sub(9, '1024|1 GB (sold out)', 0, true), sub(1, '2048|2 GB', 1)]),
      cores,
      disk,
    ]);
    expect(specsOf(p).specs.memoryMb).toBe(2048);
  });

  it('quantity alone: its minimum, in its unit', () => {
    const p = product([
      quantity(1, 'Memory', 'GB', 2, 64),
      quantity(2, 'CPU Cores', 'vCPU', 2, 16),
      quantity(3, 'Disk Space', 'GB', 20, 2000),
    ]);
    expect(specsOf(p)).toEqual({ specs: { cpuCores: 2, memoryMb: 2048, diskGb: 20 }, unresolved: [] });
  });

  it('quantity with no minimum: the module setting, else one unit (a zero spec means nothing)', () => {
    const withSettings = product([quantity(2, 'CPU Cores', 'vCPU', 0, 16), memory, disk], ['3', '', '']);
    expect(specsOf(withSettings).specs.cpuCores).toBe(3);
    const without = product([
      quantity(2, 'CPU Cores', 'vCPU', 0, 16),
      quantity(3, 'Disk Space', 'GB', 0, 0),
      memory,
    ]);
    expect(specsOf(without)).toEqual({ specs: { cpuCores: 1, memoryMb: 2048, diskGb: 1 }, unresolved: [] });
  });

  it('yes/no gives no spec: it is off, and the spec comes from the module setting', () => {
    const p = product([yesNo(2, 'cpu'), memory, disk], ['2']);
    expect(specsOf(p).specs.cpuCores).toBe(2);
  });

  it('module settings alone (configoptionN of the Proxmox module) when the product has no options', () => {
    expect(specsOf(product([], ['2', '4096', '50', 'ubuntu-24.04-cloudinit']))).toEqual({
      specs: { cpuCores: 2, memoryMb: 4096, diskGb: 50 },
      unresolved: [],
    });
  });

  it('options win over module settings', () => {
    expect(specsOf(product([memory, cores, disk], ['8', '16384', '500'])).specs).toEqual({
      cpuCores: 1,
      memoryMb: 2048,
      diskGb: 40,
    });
  });

  it('a hidden option is not on the order form: the module setting gives that spec', () => {
    const p = product([{ ...memory, hidden: true }, cores, disk], ['', '1024']);
    expect(specsOf(p).specs.memoryMb).toBe(1024);
  });

  it('build your own: cores from a quantity with min/max, memory and disk from dropdowns, no module settings', () => {
    const p = product([
      byoCores,
      byoMemory,
      dropdown(3, 'disk|Disk Space', [sub(6, '80|80 GB', 2), sub(5, '40|40 GB', 1)]),
      yesNo(4, 'extra_ipv4|Extra IPv4'),
    ]);
    expect(specsOf(p)).toEqual({ specs: { cpuCores: 2, memoryMb: 2048, diskGb: 40 }, unresolved: [] });
  });

  it('what cannot be resolved is 0 with the reason naming the option or setting', () => {
    const p = product([
      dropdown(1, 'Memory', [sub(1, '1 GB', 0, true), sub(2, '2 GB', 1, true)]),
      quantity(2, 'CPU Cores', 'vCPU', 1, 8),
      { ...disk, hidden: true },
    ]);
    const { specs, unresolved } = specsOf(p);
    expect(specs).toEqual({ cpuCores: 1, memoryMb: 0, diskGb: 0 });
    expect(unresolved).toEqual([
      {
        attribute: 'memoryMb',
        reason:
          'no default memory: every sub-option of "Memory" is hidden; module setting configoption2 is empty',
      },
      {
        attribute: 'diskGb',
        reason:
          'no default disk: option "disk|Disk Space" is hidden from the order form; module setting configoption3 is empty',
      },
    ]);
  });

  it('an unreadable default is named too', () => {
    const p = product([dropdown(1, 'Memory', [sub(1, 'Custom (ask us)', 1)]), cores, disk], ['', 'lots']);
    expect(specsOf(p).unresolved).toEqual([
      {
        attribute: 'memoryMb',
        reason:
          'no default memory: the default of option "Memory" is not a size; module setting configoption2 is "lots", not a size',
      },
    ]);
  });
});

describe("a service's own options against the same product", () => {
  const byo = product([byoCores, byoMemory, disk]);
  const input = (optionRows: { id: number; configid: number; optionid: number; qty: number }[]) => ({
    service: {
      id: 50,
      userid: 1,
      packageid: 8,
      server: 1,
      regdate: '2024-01-01',
      domain: 'byo.example',
      billingcycle: 'Monthly',
      amount: '9.00',
      nextduedate: null,
      domainstatus: 'Active',
      dedicatedip: '',
      assignedips: '',
      clientStatus: 'Active',
    },
    optionRows,
    fieldRows: [],
    moduleVm: { vmid: 10050, nodeId: null, ipaddress: null },
  });
  const mapping = { ...defaultMapping, vmid: { options: [], fields: [], moduleSettings: {} } };
  const transformed = (optionRows: Parameters<typeof input>[0]) =>
    transformService(input(optionRows), catalogueOf(byo), mapping, null);

  it('keeps its own choices, even a hidden sub-option staff assigned', () => {
    const r = transformed([
      { id: 1, configid: 2, optionid: 20, qty: 6 },
      { id: 2, configid: 1, optionid: 9, qty: 0 },
      { id: 3, configid: 3, optionid: 6, qty: 0 },
    ]);
    expect(r).toMatchObject({ kind: 'server', cpuCores: 6, memoryMb: 1024, diskGb: 80, warnings: [] });
  });

  it('a missing row takes the order form default: quantity its minimum', () => {
    const r = transformed([{ id: 2, configid: 1, optionid: 2, qty: 0 }]);
    expect(r).toMatchObject({
      kind: 'server',
      cpuCores: 2,
      memoryMb: 4096,
      diskGb: 40,
      warnings: ['config-options-missing-defaults-applied'],
    });
  });

  it('a quantity outside its bounds reads as WHMCS clamps it, and says so', () => {
    const r = transformed([
      { id: 1, configid: 2, optionid: 20, qty: 64 },
      { id: 2, configid: 1, optionid: 1, qty: 0 },
      { id: 3, configid: 3, optionid: 5, qty: 0 },
    ]);
    expect(r).toMatchObject({
      kind: 'server',
      cpuCores: 16,
      warnings: ['config-option-quantity-out-of-bounds'],
    });
  });
});

describe('planRow', () => {
  const kvm: Product = {
    id: 4,
    name: 'KVM &amp; More',
    servertype: 'pvewhmcs',
    moduleSettings: ['2'],
    options: [],
    fields: [],
  };
  const catalogue: Catalogue = {
    products: new Map([[4, kvm]]),
    servers: new Map(),
    modulePlans: new Map([[2, { cores: 2, memoryMb: 2048, diskGb: 40 }]]),
    moduleNodes: new Map(),
  };

  it('a server product becomes a closed plan named by the product, keyed on its id', () => {
    expect(planRow(kvm, catalogue, defaultMapping)).toEqual({
      row: {
        slug: 'whmcs-4-kvm-more',
        name: 'KVM & More',
        cpuCores: 2,
        memoryMb: 2048,
        diskGb: 40,
        active: false,
        legacyWhmcsProductId: 4,
      },
      unresolved: [],
    });
  });

  it('a product whose default specs cannot be resolved is still a closed plan, its unknown specs 0, with the reason', () => {
    const { row, unresolved } = planRow(kvm, { ...catalogue, modulePlans: new Map() }, defaultMapping);
    expect(row).toMatchObject({
      cpuCores: 0,
      memoryMb: 0,
      diskGb: 0,
      active: false,
      legacyWhmcsProductId: 4,
    });
    expect(unresolved.map((u) => u.attribute)).toEqual(['cpuCores', 'memoryMb', 'diskGb']);
    expect(unresolved[0]!.reason).toBe(
      'no default cpu cores: no configurable option names it and mod_pvewhmcs_plans has no plan "2" (configoption1)',
    );
  });
});
