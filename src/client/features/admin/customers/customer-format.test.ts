import { describe, expect, it } from 'vitest';
import { expiresText, quotaInput, quotaValues, statusText } from './customer-format.ts';

describe('customer formatting', () => {
  it.each([
    ['running', 'Running'],
    ['error', 'Error'],
    ['suspended', 'Suspended'],
  ])('labels status %s as %s', (status, label) => expect(statusText(status)).toBe(label));

  it('keeps the default (null) as an empty field and back', () => {
    const values = quotaValues({ quota: { maxServers: 5, maxCores: null, maxMemoryMb: 8192 } });
    expect(values).toEqual({ maxServers: '5', maxCores: '', maxMemoryMb: '8192' });
    expect(quotaInput({ ...values, maxCores: ' ' })).toEqual({
      maxServers: 5,
      maxCores: null,
      maxMemoryMb: 8192,
    });
    expect(quotaInput({ ...values, maxServers: '2.5' }).maxServers).toBe(2.5);
  });

  it('says how long a link works', () => {
    const now = new Date('2026-01-01T10:00:00Z');
    expect(expiresText(new Date('2026-01-01T11:00:00Z'), now)).toBe(
      'It works once, for the next 60 minutes.',
    );
    expect(expiresText(new Date('2026-01-01T09:59:00Z'), now)).toBe('It has expired.');
    expect(expiresText(new Date('2026-01-02T10:00:00Z'), now)).toMatch(/^It works once, until /);
  });
});
