import { describe, expect, it } from 'vitest';
import { isDroppedTypeQuery } from './client.ts';

describe('isDroppedTypeQuery', () => {
  it("recognises postgres.js's start-up array type query and nothing else", () => {
    const typeQuery = `
      select b.oid, b.typarray
      from pg_catalog.pg_type a
      left join pg_catalog.pg_type b on b.oid = a.typelem
      where a.typcategory = 'A'`;
    expect(
      isDroppedTypeQuery(Object.assign(new Error('write CONNECTION_CLOSED'), { query: typeQuery })),
    ).toBe(true);
    expect(isDroppedTypeQuery(Object.assign(new Error('boom'), { query: 'select * from servers' }))).toBe(
      false,
    );
    expect(isDroppedTypeQuery(new Error('write CONNECTION_CLOSED'))).toBe(false);
    expect(isDroppedTypeQuery(undefined)).toBe(false);
  });
});
