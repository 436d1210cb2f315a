import { describe, expect, it } from 'vitest';
import { resolveFields, resolveOptions, type OptionDef } from './rules-options.ts';

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
