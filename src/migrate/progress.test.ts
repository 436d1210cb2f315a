import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { makeProgress } from './progress.ts';

describe('progress', () => {
  it('off a terminal: a plain line at most every two seconds, and each phase line', () => {
    let text = '';
    let clock = 10_000;
    const view = makeProgress({ stderr: (t) => (text += t) }, () => clock);
    view.update({ phase: 'services', done: 2000, rate: 15000, position: { at: 4000, last: 8000 } });
    view.update({ phase: 'services', done: 4000, rate: 15000, position: { at: 6000, last: 8000 } });
    clock += 2500;
    view.update({ phase: 'services', done: 6000, rate: 14800.6, position: { at: 8000, last: 8000 } });
    view.phase({ phase: 'services', seconds: 0.44, line: '6000 read, servers created 10' });
    expect(text.split('\n')).toEqual([
      'migrate: services 2000 rows (50%), 15000/s',
      'migrate: services 6000 rows (100%), 14801/s',
      'migrate: services done in 0.4 s: 6000 read, servers created 10',
      '',
    ]);
  });

  it('on a terminal: a cli-progress bar per phase, then the phase line', () => {
    let drawn = '';
    const tty = Object.assign(
      new Writable({
        write(chunk, _enc, done) {
          drawn += String(chunk);
          done();
        },
      }),
      { isTTY: true, columns: 120 },
    );
    let lines = '';
    const view = makeProgress({ stderr: (t) => (lines += t), tty });
    view.update({ phase: 'accounts', done: 500, rate: 9000, position: { at: 500, last: 1000 } });
    view.phase({ phase: 'accounts', seconds: 1.2, line: '1000 read' });
    view.update({ phase: 'services', done: 100, rate: 100, position: { at: 100, last: 4000 } });
    view.done();
    // cli-progress redraws at most every 100 ms: the phase's end is always drawn, as 100 %.
    expect(drawn).toMatch(/accounts \[[=-]+\] \d+% \| 500 rows \| 9000\/s/);
    expect(drawn).toMatch(/accounts \[=+\] 100% \| 500 rows/);
    expect(drawn).toMatch(/services \[=*-+\] 2% \| 100 rows \| 100\/s/);
    expect(lines).toBe('accounts done in 1.2 s: 1000 read\n');
  });
});
