import { describe, expect, it } from 'vitest';
import {
  CONFIG_GROUPS,
  CUSTOM_FIELDS,
  defaultOptionValue,
  expectedPlanSpecs,
  optionsForProduct,
  PRODUCTS,
  type ConfigOptionDef,
} from './catalogue.ts';

const option = (id: number): ConfigOptionDef =>
  CONFIG_GROUPS.flatMap((g) => g.options).find((o) => o.id === id)!;

describe('defaultOptionValue (WHMCS default for a missing tblhostingconfigoptions row)', () => {
  it.each([
    [1, 2048], // hidden "1024|1 GB (retired)" has the lowest sortorder but is skipped
    [2, 1],
    [3, 40],
    [4, false], // yes/no → off
    [5, 'none'],
    [7, 1], // quantity → its minimum
    [14, 2], // build your own: cores from 2
    [20, 0], // quantity without a minimum → 0
    [11, 2048],
    [15, 2048], // hidden "1024|1 GB (sold out)" skipped
    [16, 30], // same sortorder: lower id first
    [18, 4096], // radio, hidden sortorder-0 sub skipped
    [19, 2],
  ])('option %i → %j', (id, expected) => {
    expect(defaultOptionValue(option(id))).toBe(expected);
  });

  it('orders by sortorder, then id', () => {
    const o: ConfigOptionDef = {
      ...option(1),
      subs: [
        { id: 9, name: 'b', sortorder: 1, hidden: 0, value: 'b' },
        { id: 3, name: 'a', sortorder: 1, hidden: 0, value: 'a' },
        { id: 1, name: 'z', sortorder: 2, hidden: 0, value: 'z' },
      ],
    };
    expect(defaultOptionValue(o)).toBe('a');
  });

  it('refuses an option whose sub-options are all hidden', () => {
    expect(() =>
      defaultOptionValue({ ...option(1), subs: [{ id: 1, name: 'x', sortorder: 0, hidden: 1, value: 1 }] }),
    ).toThrow();
  });
});

describe('catalogue integrity', () => {
  it('has unique ids for options, sub-options and custom fields', () => {
    const options = CONFIG_GROUPS.flatMap((g) => g.options);
    const subs = options.flatMap((o) => o.subs);
    expect(new Set(options.map((o) => o.id)).size).toBe(options.length);
    expect(new Set(subs.map((s) => s.id)).size).toBe(subs.length);
    expect(new Set(CUSTOM_FIELDS.map((f) => f.id)).size).toBe(CUSTOM_FIELDS.length);
  });

  it('gives yes/no and quantity options exactly one (unit-named) sub-option', () => {
    for (const o of CONFIG_GROUPS.flatMap((g) => g.options).filter((x) => x.type === '3' || x.type === '4')) {
      expect(o.subs, o.name).toHaveLength(1);
    }
  });

  it('links configurable options to every VMID-in-custom-field product but the module-settings-only one, and none to others', () => {
    for (const p of PRODUCTS) {
      expect(optionsForProduct(p.id).length > 0, p.name).toBe(p.line === 'cf-vmid' && p.id !== 10);
    }
  });
});

describe('expectedPlanSpecs (the order form defaults a plan is made of)', () => {
  it.each([
    [1, { cpuCores: 1, memoryMb: 2048, diskGb: 40 }, []],
    [3, { cpuCores: 1, memoryMb: 512, diskGb: 20 }, []], // quantities at their minimum
    [4, { cpuCores: 1, memoryMb: 1024, diskGb: 25 }, []], // pvewhmcs: mod_pvewhmcs_plans
    [8, { cpuCores: 2, memoryMb: 2048, diskGb: 30 }, []], // build your own
    [9, { cpuCores: 2, memoryMb: 4096, diskGb: 30 }, []], // radios; disk quantity 0 → module setting
    [10, { cpuCores: 2, memoryMb: 2048, diskGb: 50 }, []], // module settings only
    [11, { cpuCores: 4, diskGb: 100 }, ['memoryMb']], // memory only staff can set
  ])('product %i', (id, specs, unresolved) => {
    expect(expectedPlanSpecs(PRODUCTS.find((p) => p.id === id)!)).toEqual({ specs, unresolved });
  });
});
