import { describe, expect, it } from 'vitest';
import { parseAdminAuditSearch, parseAdminServersSearch } from './admin-search.ts';

const id = '7d3f1c2a-1b2c-4d5e-8f90-0a1b2c3d4e5f';

describe('admin servers search params', () => {
  it.each([
    [{}, {}],
    [{ status: 'error' }, { status: 'error' }],
    [{ status: 'broken' }, {}],
    [
      { customer: id, location: id },
      { customer: id, location: id },
    ],
    [{ customer: 'not-an-id' }, {}],
    [{ node: 'pve-1' }, { node: 'pve-1' }],
    [{ node: '../etc' }, {}],
    [{ q: '  web  ' }, { q: 'web' }],
    [{ q: '   ' }, {}],
    [{ q: 'x'.repeat(201) }, {}],
    [{ q: 42 }, { q: '42' }],
    [{ other: 'kept out' }, {}],
  ])('%j → %j', (input, expected) => {
    expect(parseAdminServersSearch(input)).toEqual(expected);
  });
});

describe('admin audit search params', () => {
  it.each([
    [{}, {}],
    [{ kind: 'server.suspend' }, { kind: 'server.suspend' }],
    [{ kind: 'server.*' }, { kind: 'server.*' }],
    [{ kind: 'Server Suspend' }, {}],
    [
      { server: id, actor: id, customer: id },
      { server: id, actor: id, customer: id },
    ],
    [{ before: '2026-01-31T12:00:00Z' }, { before: '2026-01-31T12:00:00Z' }],
    [{ before: 'yesterday' }, {}],
  ])('%j → %j', (input, expected) => {
    expect(parseAdminAuditSearch(input)).toEqual(expected);
  });
});
