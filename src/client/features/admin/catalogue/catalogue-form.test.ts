import { describe, expect, it } from 'vitest';
import type { AdminImage, PveTemplateInfo } from '../../../../shared/catalogue.ts';
import {
  centsFrom,
  describeTemplates,
  dnsList,
  imageInput,
  imageValues,
  locationInput,
  numberFrom,
  sharedTemplates,
  templateLabel,
  templatesFor,
  templatesInput,
} from './catalogue-form.ts';

const t = (node: string, vmid: number, shared = false, cloudInit = true): PveTemplateInfo => ({
  node,
  vmid,
  name: `t${vmid}`,
  storage: shared ? 'ceph' : 'local-lvm',
  shared,
  cloudInit,
  diskBytes: null,
});

describe('catalogue form conversions', () => {
  it.each([
    ['', null],
    ['5', 500],
    ['5.5', 550],
    ['5,25', 525],
    ['0.01', 1],
    ['5.555', Number.NaN],
    ['-1', Number.NaN],
    ['five', Number.NaN],
  ])('reads the price %j as %s cents', (text, cents) => {
    expect(centsFrom(text)).toBe(cents);
  });

  it('reads an empty number field as NaN, so the schema names it', () => {
    expect(numberFrom(' ')).toBeNaN();
    expect(numberFrom('12')).toBe(12);
  });

  it('turns the template choice into pveTemplates', () => {
    expect(
      templatesInput({ templateMode: 'shared', sharedTemplate: '8000', nodeTemplates: { pve1: '9000' } }),
    ).toEqual({
      '*': 8000,
    });
    expect(templatesInput({ templateMode: 'shared', sharedTemplate: '', nodeTemplates: {} })).toEqual({});
    expect(
      templatesInput({
        templateMode: 'perNode',
        sharedTemplate: '8000',
        nodeTemplates: { pve1: '9000', pve2: '' },
      }),
    ).toEqual({ pve1: 9000 });
  });

  it('reads an image back into the form and out again unchanged', () => {
    const image: AdminImage = {
      id: '11111111-1111-4111-8111-111111111111',
      slug: 'debian-12',
      name: 'Debian 12',
      osFamily: 'debian',
      pveTemplates: { pve1: 9000, pve2: 9001 },
      active: false,
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    const values = imageValues(image);
    expect(values.templateMode).toBe('perNode');
    expect(imageInput(values)).toEqual({
      slug: 'debian-12',
      name: 'Debian 12',
      osFamily: 'debian',
      pveTemplates: { pve1: 9000, pve2: 9001 },
      active: false,
    });
    expect(imageValues({ ...image, pveTemplates: { '*': 8000 } })).toMatchObject({
      templateMode: 'shared',
      sharedTemplate: '8000',
    });
  });

  it('offers a node its own templates and the shared ones, and each shared one once', () => {
    const all = [t('pve1', 9000), t('pve2', 9001), t('pve1', 8000, true), t('pve2', 8000, true)];
    expect(templatesFor('pve2', all).map((x) => x.vmid)).toEqual([9001, 8000, 8000]);
    expect(sharedTemplates(all).map((x) => x.vmid)).toEqual([8000]);
    expect(templateLabel(t('pve2', 9001, false, false))).toBe(
      '9001 t9001 on local-lvm (no cloud-init drive)',
    );
  });

  it('describes templates for the list', () => {
    expect(describeTemplates({ '*': 8000 })).toBe('Every node: 8000');
    expect(describeTemplates({ pve1: 9000, pve2: 9001 })).toBe('pve1: 9000 · pve2: 9001');
  });

  it('reads DNS servers separated by commas or spaces, and a country in capitals or none', () => {
    expect(dnsList(' 1.1.1.1, 9.9.9.9  2606:4700::1111,')).toEqual(['1.1.1.1', '9.9.9.9', '2606:4700::1111']);
    expect(dnsList('')).toEqual([]);
    const base = { name: 'Helsinki', slug: 'hel1', pveNodes: ['pve1'], active: true };
    expect(locationInput({ ...base, country: ' fi ' }).country).toBe('FI');
    expect(locationInput({ ...base, country: '' }).country).toBeNull();
  });
});
