/**
 * What the migration shows while it runs, on stderr: on an interactive terminal a progress bar per phase
 * (cli-progress) over the source's ids, with rows and rate; otherwise a plain line every two seconds. Each
 * phase's summary line follows it as the phase ends.
 */
import { SingleBar } from 'cli-progress';
import type { PhaseSummary, Progress } from './run-result.ts';

export interface ProgressIo {
  stderr: (text: string) => void;
  /** The terminal to draw the bar on; absent when stderr is not interactive (plain lines then). */
  tty?: NodeJS.WritableStream | undefined;
}

export interface ProgressView {
  update: (p: Progress) => void;
  phase: (p: PhaseSummary) => void;
  done: () => void;
}

const percent = (p: Progress) =>
  p.position && p.position.last > 0
    ? ` (${Math.min(100, Math.floor((100 * p.position.at) / p.position.last))}%)`
    : '';

export function makeProgress(io: ProgressIo, now: () => number = Date.now): ProgressView {
  if (!io.tty) {
    let last = 0;
    return {
      update: (p) => {
        if (now() - last < 2000) return;
        last = now();
        io.stderr(`migrate: ${p.phase} ${p.done} rows${percent(p)}, ${Math.round(p.rate)}/s\n`);
      },
      phase: (s) => io.stderr(`migrate: ${s.phase} done in ${s.seconds.toFixed(1)} s: ${s.line}\n`),
      done: () => {},
    };
  }
  let bar: SingleBar | undefined;
  let barPhase = '';
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    update: (p) => {
      const total = Math.max(1, p.position?.last ?? 1);
      const payload = { phase: p.phase.padEnd(8), rows: p.done, rate: Math.round(p.rate) };
      if (!bar || barPhase !== p.phase) {
        stop();
        barPhase = p.phase;
        bar = new SingleBar({
          stream: io.tty,
          format: '{phase} [{bar}] {percentage}% | {rows} rows | {rate}/s | eta {eta_formatted}',
          hideCursor: true,
          clearOnComplete: false,
          etaBuffer: 20,
        });
        bar.start(total, 0, payload);
      }
      bar.setTotal(total);
      bar.update(Math.min(total, p.position?.at ?? 0), payload);
    },
    phase: (s) => {
      if (bar && barPhase === s.phase) {
        bar.update(bar.getTotal());
        stop();
      }
      io.stderr(`${s.phase} done in ${s.seconds.toFixed(1)} s: ${s.line}\n`);
    },
    done: stop,
  };
}
