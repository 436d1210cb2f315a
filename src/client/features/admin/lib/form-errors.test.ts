import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { errorsFromCall, errorsFromFields, errorsFromIssues, hasErrors } from './form-errors.ts';

const labels = { slug: 'Slug', pveTemplates: 'Templates', dns: 'DNS servers' };

describe('errorsFromFields', () => {
  it.each([
    [{ slug: '"vps-s" is taken' }, { slug: 'Slug "vps-s" is taken.' }],
    [{ slug: 'is required' }, { slug: 'Slug is required.' }],
    [
      { 'pveTemplates.pve1': 'must be a VMID (100–999999999)' },
      { pveTemplates: 'Templates must be a VMID (100–999999999).' },
    ],
    [
      { 'dns.0': 'is not an IP address', 'dns.1': 'is not an IP address' },
      { dns: 'DNS servers is not an IP address.' },
    ],
    [{ body: 'is not valid JSON' }, { form: 'body is not valid JSON.' }],
    [{ slug: 'Already taken.' }, { slug: 'Already taken.' }],
    [{}, {}],
  ])('places %j as %j', (fields, expected) => {
    expect(errorsFromFields(fields, labels)).toEqual(expected);
  });

  it('keeps the first message of a field and collects unknown fields in form', () => {
    expect(errorsFromFields({ slug: 'is required', cursor: 'is not one this API returned' }, labels)).toEqual(
      {
        slug: 'Slug is required.',
        form: 'cursor is not one this API returned.',
      },
    );
  });

  it('reads fields under a prefix, such as quota.maxCores', () => {
    expect(
      errorsFromFields({ 'quota.maxCores': 'must be a whole number' }, { maxCores: 'Cores' }, 'quota.'),
    ).toEqual({
      maxCores: 'Cores must be a whole number.',
    });
  });
});

describe('errorsFromIssues', () => {
  it('joins issue paths the way the API names fields', () => {
    expect(errorsFromIssues([{ path: ['pveTemplates', 'pve1'], message: 'must be a VMID' }], labels)).toEqual(
      { pveTemplates: 'Templates must be a VMID.' },
    );
  });
});

describe('errorsFromCall', () => {
  const apiError = (message: string, fields?: Record<string, string>) =>
    TRPCClientError.from({ error: { message, code: -32000, data: { httpStatus: 409, fields } } } as never);

  it('puts a refusal naming a known field under that field', () => {
    expect(
      errorsFromCall(apiError('A plan with slug "s" already exists.', { slug: '"s" is taken' }), labels),
    ).toEqual({
      slug: 'Slug "s" is taken.',
    });
  });

  it('shows a refusal without known fields as the API’s sentence', () => {
    const errors = errorsFromCall(apiError('Plan s is used by 2 servers (2 live).'), labels);
    expect(errors).toEqual({ form: 'Plan s is used by 2 servers (2 live).' });
    expect(hasErrors(errors)).toBe(true);
    expect(hasErrors({})).toBe(false);
  });
});
