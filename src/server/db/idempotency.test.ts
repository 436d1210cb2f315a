import { describe, expect, it } from 'vitest';
import { canonicalJson, idempotencyKeyProblem, requestHash } from './idempotency.ts';

describe('idempotencyKeyProblem', () => {
  it.each([
    ['3f0c1a52-7d4e-4b8a-9a51-2f1d6c9e0b11', true],
    ['a', true],
    ['order 42 / attempt', true],
    ['k'.repeat(255), true],
    ['', false],
    ['k'.repeat(256), false],
    [' leading', false],
    ['trailing ', false],
    ['tab\there', false],
    ['naïve', false],
  ])('%j acceptable: %s', (key, ok) => {
    expect(idempotencyKeyProblem(key) === null).toBe(ok);
  });
});

describe('canonicalJson', () => {
  it.each([
    [{ b: 1, a: 2 }, '{"a":2,"b":1}'],
    [{ a: { d: [3, { f: 1, e: 2 }], c: null } }, '{"a":{"c":null,"d":[3,{"e":2,"f":1}]}}'],
    [{ a: undefined, b: 'x' }, '{"b":"x"}'],
    [undefined, 'null'],
    ['s', '"s"'],
    [[1, 'two'], '[1,"two"]'],
    [new Date('2026-01-02T03:04:05.000Z'), '"2026-01-02T03:04:05.000Z"'],
  ])('%j → %s', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });
});

describe('requestHash', () => {
  it.each([
    ['servers.create', { name: 'a', planId: 'p' }, 'servers.create', { planId: 'p', name: 'a' }, true],
    ['servers.create', { name: 'a' }, 'servers.create', { name: 'b' }, false],
    ['servers.terminate', { id: 'x' }, 'servers.action', { id: 'x' }, false],
    ['servers.create', undefined, 'servers.create', null, true],
  ])('%s %j vs %s %j: same %s', (p1, i1, p2, i2, same) => {
    expect(requestHash(p1, i1) === requestHash(p2, i2)).toBe(same);
  });
});
