/**
 * DATA_DIR holds the embedded database (every email and password hash) and the generated JWT secret:
 * it is for the user Keel runs as, and nobody else on the machine.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Folders Keel creates are 0700; files inside them 0600. */
export const privateDirMode = 0o700;

/** Makes every file and folder this process creates from now on private to its user. */
export function restrictNewFiles(): void {
  process.umask(0o077);
}

/**
 * Takes group and other permissions off everything under `dir`. PGlite unpacks its initial database
 * with the archive's modes (0666) by an explicit chmod, which no umask reaches; Keel tightens the tree
 * after PGlite opened it and after it closed. Whatever PGlite creates in between is still out of other
 * users' reach, inside folders that are 0700.
 */
export function makeTreePrivate(dir: string): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    try {
      const mode = lstatSync(path).mode & 0o777;
      if (mode & 0o077) chmodSync(path, mode & 0o700);
    } catch {
      continue; // removed while we looked: nothing left to protect
    }
    if (entry.isDirectory()) makeTreePrivate(path);
  }
}

/** Creates the folder (0700) if it is missing. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: privateDirMode });
}

/**
 * The folder's permission bits when other users may enter or read it, else null. An existing folder
 * is left as the operator made it (a mounted volume may need its mode); Keel says so in its log.
 */
export function widerThanPrivate(dir: string): number | null {
  try {
    const mode = statSync(dir).mode & 0o777;
    return mode & 0o077 ? mode : null;
  } catch {
    return null;
  }
}
