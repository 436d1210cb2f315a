import { describe, expect, it } from 'vitest';
import {
  CONFIG_GROUPS,
  CUSTOM_FIELDS,
  defaultOptionValue,
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
    [7, 0], // quantity → 0
    [11, 2048],
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

  it('links configurable options to every VMID-in-custom-field product, and none to others', () => {
    for (const p of PRODUCTS) {
      expect(optionsForProduct(p.id).length > 0, p.name).toBe(p.line === 'cf-vmid');
    }
  });
});
