/**
 * What each kind of user downloads from a built dashboard, read from Vite's build manifest: the customer's
 * first load (the entry chunk and every chunk it imports statically), the customer chunks loaded later,
 * and the operator console's chunks, which only admins fetch.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}

export type Manifest = Record<string, ManifestChunk>;

export interface ChunkGraph {
  /** Gzipped bytes of each JavaScript file, by its path under the client folder (`assets/x.js`). */
  gzip: Map<string, number>;
  /** The entry chunk and everything it imports statically: what every page load fetches first. */
  initial: Set<string>;
  /** For each lazily loaded module (by source path), the files it adds to `initial`. */
  lazy: Map<string, Set<string>>;
}

/** Console modules live under one folder; everything else a customer may load. */
export const isConsoleModule = (src: string) => src.startsWith('features/admin/');

/** The chunk graph of a manifest; `sizeOf` gives a file's gzipped size. Pure, for tests. */
export function chunkGraph(manifest: Manifest, sizeOf: (file: string) => number): ChunkGraph {
  const closure = (key: string, into = new Set<string>()): Set<string> => {
    const chunk = manifest[key];
    if (!chunk || into.has(chunk.file)) return into;
    into.add(chunk.file);
    for (const imported of chunk.imports ?? []) closure(imported, into);
    return into;
  };
  const gzip = new Map<string, number>();
  for (const chunk of Object.values(manifest)) {
    if (chunk.file.endsWith('.js')) gzip.set(chunk.file, sizeOf(chunk.file));
  }
  const entryKey = Object.keys(manifest).find((key) => manifest[key]!.isEntry);
  if (!entryKey) throw new Error('the build manifest has no entry chunk');
  const initial = closure(entryKey);
  const lazy = new Map<string, Set<string>>();
  for (const [key, chunk] of Object.entries(manifest)) {
    if (!chunk.isDynamicEntry) continue;
    lazy.set(chunk.src ?? key, new Set([...closure(key)].filter((file) => !initial.has(file))));
  }
  return { gzip, initial, lazy };
}

export function readChunkGraph(clientDir: string): ChunkGraph {
  const manifest = JSON.parse(readFileSync(join(clientDir, '.vite/manifest.json'), 'utf8')) as Manifest;
  return chunkGraph(manifest, (file) => gzipSync(readFileSync(join(clientDir, file)), { level: 9 }).length);
}

function union(sets: Iterable<Set<string>>): Set<string> {
  const all = new Set<string>();
  for (const set of sets) for (const file of set) all.add(file);
  return all;
}

export interface Downloads {
  /** Entry plus its static imports. */
  customerInitial: Set<string>;
  /** Everything a customer may ever load, the lazy pages included. */
  customerAll: Set<string>;
  /** Files only the console's lazy chunks bring. */
  console: Set<string>;
}

export function downloads(graph: ChunkGraph): Downloads {
  const lazy = [...graph.lazy];
  const customerAll = union([
    graph.initial,
    ...lazy.filter(([src]) => !isConsoleModule(src)).map(([, files]) => files),
  ]);
  const consoleFiles = union(lazy.filter(([src]) => isConsoleModule(src)).map(([, files]) => files));
  return {
    customerInitial: graph.initial,
    customerAll,
    console: new Set([...consoleFiles].filter((file) => !customerAll.has(file))),
  };
}

/** Gzipped kilobytes (1,024 bytes) of some files of the graph. */
export function gzipKb(graph: ChunkGraph, files: Iterable<string>): number {
  let bytes = 0;
  for (const file of files) bytes += graph.gzip.get(file) ?? 0;
  return bytes / 1024;
}
