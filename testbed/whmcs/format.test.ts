import { describe, expect, it } from 'vitest';
import {
  dateOrNull,
  dateToDay,
  dayToDate,
  htmlDecodeOnce,
  htmlEncode,
  money,
  secondsToDateTime,
  splitKeyLabel,
  sqlLiteral,
  tsvField,
  tsvFromSqlLiteral,
} from './format.ts';

describe('sqlLiteral', () => {
  it.each([
    [null, 'NULL'],
    [0, '0'],
    [-12.5, '-12.5'],
    ['', "''"],
    ["O'Brien", "'O\\'Brien'"],
    ['a\\b', "'a\\\\b'"],
    ['line1\nline2\r', "'line1\\nline2\\r'"],
    ['nul\0', "'nul\\0'"],
    ['山田太郎', "'山田太郎'"],
  ])('%j → %s', (value, expected) => {
    expect(sqlLiteral(value)).toBe(expected);
  });

  it('refuses non-finite numbers', () => {
    expect(() => sqlLiteral(Number.NaN)).toThrow(RangeError);
  });
});

describe('html entities', () => {
  it.each([
    ["O'Brien & Sons", 'O&#039;Brien &amp; Sons'],
    ['<b>"x"</b>', '&lt;b&gt;&quot;x&quot;&lt;/b&gt;'],
    ['Zoë', 'Zoë'],
  ])('encodes %j as WHMCS stores it', (plain, stored) => {
    expect(htmlEncode(plain)).toBe(stored);
    expect(htmlDecodeOnce(stored)).toBe(plain);
  });

  it.each([
    ['Tom &amp;amp; Jerry', 'Tom &amp; Jerry'],
    ['&#x263A; &#9731;', '☺ ☃'],
    ['&unknown; stays', '&unknown; stays'],
    ['AT&T', 'AT&T'],
  ])('decodes %j once', (stored, decoded) => {
    expect(htmlDecodeOnce(stored)).toBe(decoded);
  });
});

describe('splitKeyLabel', () => {
  it.each([
    ['memory|Memory', 'memory', 'Memory'],
    ['2048|2 GB', '2048', '2 GB'],
    [' os | Operating System ', 'os', 'Operating System'],
    ['a|b|c', 'a', 'b|c'],
    ['|Leading pipe', '|Leading pipe', '|Leading pipe'],
    ['4 GB', '4 GB', '4 GB'],
    ['', '', ''],
  ])('%j → key %j, label %j', (name, key, label) => {
    expect(splitKeyLabel(name)).toEqual({ key, label });
  });
});

describe('dates and money', () => {
  it.each([
    [0, '1970-01-01'],
    [19875, '2024-06-01'],
    [-1, '1969-12-31'],
  ])('day %i is %s and back', (day, date) => {
    expect(dayToDate(day)).toBe(date);
    expect(dateToDay(date)).toBe(day);
  });

  it('rejects garbage dates', () => {
    expect(() => dateToDay('not-a-date')).toThrow(RangeError);
  });

  it('formats seconds as a UTC datetime', () => {
    expect(secondsToDateTime(1717243200)).toBe('2024-06-01 12:00:00');
  });

  it.each([
    [12, '12.00'],
    [9.999, '10.00'],
    [0.1 + 0.2, '0.30'],
    [-1, '-1.00'],
  ])('money(%f) = %s', (amount, text) => {
    expect(money(amount)).toBe(text);
  });

  it.each([
    [null, null],
    ['', null],
    ['0000-00-00', null],
    ['0000-00-00 00:00:00', null],
    ['2024-01-31', '2024-01-31'],
  ])('dateOrNull(%j) = %j', (value, expected) => {
    expect(dateOrNull(value)).toBe(expected);
  });
});

describe('tsvField', () => {
  it.each([
    [null, '\\N'],
    [0, '0'],
    [-12.5, '-12.5'],
    ['', ''],
    ["O'Brien", "O'Brien"],
    ['a\\b', 'a\\\\b'],
    ['\\N', '\\\\N'],
    ['tab\there', 'tab\\there'],
    ['line1\nline2\r', 'line1\\nline2\\r'],
    ['nul\0', 'nul\\0'],
    ['trailing  ', 'trailing  '],
    ['山田太郎', '山田太郎'],
  ])('%j → %s', (value, expected) => {
    expect(tsvField(value)).toBe(expected);
  });

  it('refuses non-finite numbers', () => {
    expect(() => tsvField(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('tsvFromSqlLiteral', () => {
  it.each([
    ['NULL', '\\N'],
    ['0', '0'],
    ['0.00', '0.00'],
    ["''", ''],
    ["'0000-00-00'", '0000-00-00'],
    ["'Active'", 'Active'],
    ["'it''s'", "it's"],
    ["'a\\'b'", "a'b"],
    ["'x\\ny'", 'x\\ny'],
  ])('%s → %s', (literal, expected) => {
    expect(tsvFromSqlLiteral(literal)).toBe(expected);
  });

  it('refuses expressions it cannot evaluate', () => {
    expect(() => tsvFromSqlLiteral('CURRENT_TIMESTAMP')).toThrow(/cannot convert/);
  });
});
