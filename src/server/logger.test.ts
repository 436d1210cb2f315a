import { Writable } from 'node:stream';
import { TRPCError } from '@trpc/server';
import { DrizzleQueryError } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createLogger, lazyChild, redactUrl } from './logger.ts';

describe('errors in the log', () => {
  it("keep a failed statement's text and leave out its values, also when wrapped", () => {
    const lines: string[] = [];
    const log = createLogger(
      'info',
      new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }),
    );
    const hash = '$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA';
    const failed = new DrizzleQueryError(
      'insert into "users" ("email", "password_hash") values ($1, $2)',
      ['a@example.com', `${hash}\nsecond line`],
      Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' }),
    );
    log.error({ err: failed }, 'query failed');
    log.error({ err: new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: failed }) }, 'procedure failed');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toContain('insert into \\"users\\"');
      expect(line).toContain('params: [redacted]');
      expect(line).not.toContain('a@example.com');
      expect(line).not.toContain('scrypt');
      expect(line).not.toContain('second line');
    }
  });
});

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

describe('lazyChild', () => {
  const capture = () => {
    const lines: string[] = [];
    const log = createLogger(
      'debug',
      new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }),
    );
    return { lines, log };
  };
  // The lines without their time, which differs between the two loggers' writes.
  const untimed = (lines: string[]) => lines.map((l) => l.replace(/"time":"[^"]+",/, ''));

  it('writes what child() writes, nested and with a level set on it', () => {
    const eager = capture();
    const lazy = capture();
    for (const [log, child] of [
      [eager.log, (l: typeof eager.log, b: Record<string, unknown>) => l.child(b)],
      [lazy.log, lazyChild],
    ] as const) {
      const request = child(log, { reqId: 'r-1' });
      const user = child(request, { userId: 'u-1' });
      request.info({ path: '/api/servers' }, 'request line');
      user.warn('from the user');
      user.level = 'warn';
      user.info('dropped at warn');
      user.error({ err: new Error('boom') }, 'failed');
      expect(user.isLevelEnabled('info')).toBe(false);
    }
    expect(lazy.lines).toHaveLength(3);
    expect(untimed(lazy.lines)).toEqual(untimed(eager.lines));
  });

  it('does not make the child until it is used', () => {
    const { log } = capture();
    let made = 0;
    const counting = Object.assign(Object.create(log) as typeof log, {
      child: (bindings: Record<string, unknown>) => (made++, log.child(bindings)),
    });
    const lazy = lazyChild(counting, { reqId: 'r-2' });
    expect(made).toBe(0);
    lazy.info('first');
    lazy.info('second');
    expect(made).toBe(1);
  });
});
