import { describe, expect, it } from 'vitest';
import { redactUrl } from './logger.ts';

describe('redactUrl', () => {
  it.each([
    ['/api/servers', '/api/servers'],
    ['/api/servers?limit=10&cursor=abc', '/api/servers?limit=10&cursor=abc'],
    ['/api/login?email=a%40b.io&password=hunter2', '/api/login?email=a%40b.io&password=[redacted]'],
    ['/trpc/auth.login?input=%7B%22password%22%3A%22x%22%7D', '/trpc/auth.login?input=[redacted]'],
    ['/trpc/a,b?batch=1&input=%7B%7D', '/trpc/a,b?batch=1&input=[redacted]'],
    ['/x?access_token=t&apiKey=k&Secret=s', '/x?access_token=[redacted]&apiKey=[redacted]&Secret=[redacted]'],
    ['/x?pass%77ord=y', '/x?pass%77ord=[redacted]'],
    ['/x?%E0%A4%A=1&flag', '/x?%E0%A4%A=1&flag'],
    ['/x?', '/x?'],
  ])('%s → %s', (url, logged) => {
    expect(redactUrl(url)).toBe(logged);
  });
});
