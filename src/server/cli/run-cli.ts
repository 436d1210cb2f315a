import { ZodError } from 'zod';
import { ConfigError } from '../config.ts';
import { DirLockedError } from '../db/dir-lock.ts';
import { zodIssuesToFields } from '../errors.ts';

export class UsageError extends Error {}

/** Runs a command-line task: known failures become one clear line and exit code 1 or 2, never a stack. */
export async function runCli(task: () => Promise<void>): Promise<void> {
  try {
    await task();
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError || err instanceof DirLockedError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    if (err instanceof ZodError) {
      const problems = Object.entries(zodIssuesToFields(err)).map(([name, problem]) => `${name} ${problem}`);
      process.stderr.write(`Invalid input: ${problems.join('; ')}\n`);
      process.exit(2);
    }
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
