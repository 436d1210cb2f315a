import { ZodError } from 'zod';
import { ConfigError } from '../config.ts';
import { DirLockedError } from '../db/dir-lock.ts';
import { zodIssuesToFields } from '../errors.ts';

export class UsageError extends Error {}

/**
 * A command's arguments, read by `parse` (node:util's parseArgs): a malformed command line is a
 * UsageError that shows the usage; null once the usage is printed for `--help`.
 */
export function readArgs<T extends { values: { help?: boolean | undefined } }>(
  usage: string,
  parse: () => T,
): T | null {
  let parsed: T;
  try {
    parsed = parse();
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${usage}`);
  }
  if (parsed.values.help) {
    process.stdout.write(`${usage}\n`);
    return null;
  }
  return parsed;
}

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
