import { describe, expect, it } from 'vitest';
import { isCrossSite } from './cross-site.ts';

const own = 'https://keel.example.com';

describe('isCrossSite', () => {
  it.each([
    [{ secFetchSite: 'same-origin' }, false],
    [{ secFetchSite: 'none' }, false],
    [{ secFetchSite: 'SAME-ORIGIN ' }, false],
    [{ secFetchSite: 'same-site' }, true],
    [{ secFetchSite: 'cross-site' }, true],
    [{ secFetchSite: 'same-origin, cross-site' }, true],
    [{ secFetchSite: '' }, true],
    // Sec-Fetch-Site decides when present, whatever Origin says.
    [{ secFetchSite: 'same-origin', origin: 'https://evil.example' }, false],
    [{ secFetchSite: 'cross-site', origin: own }, true],
    [{ origin: own }, false],
    [{ origin: 'https://KEEL.example.com:443' }, false],
    [{ origin: 'https://app.example.com' }, true],
    [{ origin: 'https://keel.example.com:8443' }, true],
    [{ origin: 'http://keel.example.com' }, true],
    [{ origin: 'null' }, true],
    [{ origin: 'not a url' }, true],
    [{}, false],
  ])('%j is cross-site: %s', (headers, expected) => {
    expect(isCrossSite(headers, own)).toBe(expected);
  });

  it('compares with the port the request reached', () => {
    expect(isCrossSite({ origin: 'http://127.0.0.1:3000' }, 'http://127.0.0.1:3000')).toBe(false);
    expect(isCrossSite({ origin: 'http://127.0.0.1:3001' }, 'http://127.0.0.1:3000')).toBe(true);
  });
});
