import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';

export class DirLockedError extends Error {}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A pid lock file. A lock left by a process that no longer exists is taken over; one held by a live
 * process is refused with a message that says which.
 */
export function acquireDirLock(file: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => {
        try {
          if (readFileSync(file, 'utf8') === String(process.pid)) unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
        throw new DirLockedError(
          `The embedded database in ${file.replace(/\/[^/]+$/, '')} is in use by process ${holder}. ` +
            'Stop that Keel process first, or set DATABASE_URL to use PostgreSQL.',
        );
      }
      unlinkSync(file);
    }
  }
  throw new DirLockedError(`Could not lock ${file}`);
}
