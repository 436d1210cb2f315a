import { describe, expect, it } from 'vitest';
import { server } from '../../../testing/fixtures.ts';
import {
  filterServers,
  formatAge,
  formatMemory,
  formatMonthlyPrice,
  paginate,
  refetchIntervalFor,
} from './format.ts';

describe('formatMemory', () => {
  it.each([
    [512, '512 MB'],
    [1024, '1 GB'],
    [1536, '1.5 GB'],
    [65536, '64 GB'],
  ])('%i MB → %s', (mb, text) => expect(formatMemory(mb)).toBe(text));
});

describe('formatAge', () => {
  const now = new Date('2025-06-01T12:00:00Z');
  it.each([
    ['2025-06-01T11:59:30Z', 'just now'],
    ['2025-06-01T11:55:00Z', '5 min ago'],
    ['2025-06-01T09:00:00Z', '3 h ago'],
    ['2025-05-30T12:00:00Z', '2 d ago'],
    ['2025-01-01T12:00:00Z', '4 mo ago'],
    ['2022-06-01T12:00:00Z', '3 y ago'],
    ['2025-06-01T12:05:00Z', 'just now'],
  ])('%s → %s', (at, text) => expect(formatAge(new Date(at), now)).toBe(text));
});

describe('formatMonthlyPrice', () => {
  it.each([
    [500, '5.00 / month'],
    [1999, '19.99 / month'],
    [null, null],
  ])('%j → %j', (cents, text) => expect(formatMonthlyPrice(cents)).toBe(text));
});

describe('filterServers', () => {
  const servers = [
    server({ name: 'web-1', status: 'running', ipAddress: '10.0.0.5' }),
    server({ name: 'web-2', status: 'provisioning', ipAddress: null }),
    server({ name: 'db-1', status: 'stopped', ipAddress: '10.0.0.7' }),
    server({ name: 'db-2', status: 'rebooting', ipAddress: '10.0.0.8' }),
  ];
  it.each([
    [{ status: 'all', query: '' }, ['web-1', 'web-2', 'db-1', 'db-2']],
    [{ status: 'all', query: 'WEB' }, ['web-1', 'web-2']],
    [{ status: 'all', query: '10.0.0.7' }, ['db-1']],
    [{ status: 'stopped', query: '' }, ['db-1']],
    [{ status: 'active', query: '' }, ['web-2', 'db-2']],
    [{ status: 'active', query: 'db' }, ['db-2']],
    [{ status: 'error', query: '' }, []],
  ] as const)('%j', (filter, names) => {
    expect(filterServers(servers, filter).map((s) => s.name)).toEqual(names);
  });
});

describe('refetchIntervalFor', () => {
  it.each([
    [undefined, false],
    [[], false],
    [[{ status: 'running' }, { status: 'stopped' }], false],
    [[{ status: 'running' }, { status: 'provisioning' }], 2000],
    [[{ status: 'terminating' }], 2000],
    [[{ status: 'error' }, { status: 'suspended' }], false],
  ] as const)('%j → %j', (servers, interval) => expect(refetchIntervalFor(servers)).toBe(interval));
});

describe('paginate', () => {
  const items = Array.from({ length: 120 }, (_, i) => i + 1);
  it.each([
    [1, { page: 1, pageCount: 3, first: 1, last: 50, total: 120 }],
    [3, { page: 3, pageCount: 3, first: 101, last: 120, total: 120 }],
    [9, { page: 3, pageCount: 3, first: 101, last: 120, total: 120 }],
    [0, { page: 1, pageCount: 3, first: 1, last: 50, total: 120 }],
  ])('page %i', (page, expected) => {
    const { items: shown, ...rest } = paginate(items, page, 50);
    expect(rest).toEqual(expected);
    expect(shown[0]).toBe(expected.first);
  });
  it('has one empty page for no items', () => {
    expect(paginate([], 1, 50)).toEqual({ items: [], page: 1, pageCount: 1, first: 0, last: 0, total: 0 });
  });
});
