/**
 * Writes the manifest and the PVE simulator state, one array element per line, while the generator runs:
 * a 1M-service manifest never exists in memory, only in the file. The manifest's head (counts, cases) is
 * known last but comes first in the file, so the three arrays go to `.part` files beside it and are
 * appended after the head at the end.
 */
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type {
  ManifestClient,
  ManifestService,
  ManifestSink,
  ManifestUser,
  PveState,
  PveStateVm,
  WhmcsManifest,
  WhmcsManifestHead,
} from './manifest.ts';

/** Buffered synchronous writer: the generator is synchronous between database flushes. */
class BufferedFile {
  private fd: number | undefined;
  private chunk = '';

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'w');
  }

  write(text: string): void {
    this.chunk += text;
    if (this.chunk.length >= 1 << 20) this.flush();
  }

  flush(): void {
    if (this.fd === undefined) throw new Error(`${this.path} is already closed`);
    if (this.chunk.length > 0) writeSync(this.fd, this.chunk);
    this.chunk = '';
  }

  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The elements of one JSON array as the manifest file lays them out (`\n    item` joined by commas). */
class JsonArrayWriter {
  count = 0;

  constructor(readonly file: BufferedFile) {}

  add(item: unknown): void {
    this.file.write(`${this.count++ === 0 ? '\n    ' : ',\n    '}${JSON.stringify(item)}`);
  }

  /** The text after the last element: closing bracket on its own line unless the array is empty. */
  get closing(): string {
    return this.count > 0 ? '\n  ]' : ']';
  }
}

/**
 * Yields exactly the text of `JSON.stringify(value, null, 2)` (nested at `indent`) in pieces, so a head with
 * millions of case ids is never one string. Handles what JSON holds: plain objects, arrays and primitives.
 */
export function* prettyJsonPieces(value: unknown, indent = ''): Generator<string> {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield '[]';
      return;
    }
    const inner = `${indent}  `;
    yield '[';
    for (let i = 0; i < value.length; i++) {
      yield `${i === 0 ? '\n' : ',\n'}${inner}`;
      const item: unknown = value[i];
      // JSON.stringify writes null for array holes that cannot be represented.
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') yield 'null';
      else yield* prettyJsonPieces(item, inner);
    }
    yield `\n${indent}]`;
    return;
  }
  if (value !== null && typeof value === 'object') {
    const inner = `${indent}  `;
    let first = true;
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
      yield `${first ? '{\n' : ',\n'}${inner}${JSON.stringify(key)}: `;
      first = false;
      yield* prettyJsonPieces(item, inner);
    }
    yield first ? '{}' : `\n${indent}}`;
    return;
  }
  yield JSON.stringify(value);
}

/** Streams `{ "vms": [...] }` straight into its file. */
export class PveStateFileWriter {
  private readonly vms: JsonArrayWriter;

  constructor(readonly path: string) {
    const file = new BufferedFile(path);
    file.write('{\n  "vms": [');
    this.vms = new JsonArrayWriter(file);
  }

  vm(entry: PveStateVm): void {
    this.vms.add(entry);
  }

  get count(): number {
    return this.vms.count;
  }

  finish(): void {
    this.vms.file.write(`${this.vms.closing}\n}\n`);
    this.vms.file.close();
  }

  abort(): void {
    this.vms.file.close();
    rmSync(this.path, { force: true });
  }
}

const ARRAYS = ['clients', 'users', 'services'] as const;

/** A ManifestSink that writes the manifest file (and optionally the PVE state file) as entries arrive. */
export class ManifestFileWriter implements ManifestSink {
  private readonly parts: Record<(typeof ARRAYS)[number], JsonArrayWriter>;
  private readonly pve: PveStateFileWriter | undefined;

  constructor(
    readonly manifestPath: string,
    pveStatePath?: string,
  ) {
    const part = (name: string): JsonArrayWriter =>
      new JsonArrayWriter(new BufferedFile(`${manifestPath}.${name}.part`));
    this.parts = { clients: part('clients'), users: part('users'), services: part('services') };
    this.pve = pveStatePath ? new PveStateFileWriter(pveStatePath) : undefined;
  }

  client(entry: ManifestClient): void {
    this.parts.clients.add(entry);
  }
  user(entry: ManifestUser): void {
    this.parts.users.add(entry);
  }
  service(entry: ManifestService): void {
    this.parts.services.add(entry);
  }
  vm(entry: PveStateVm): void {
    this.pve?.vm(entry);
  }

  /** Writes the head, appends the arrays after it and removes the part files. */
  async finish(head: WhmcsManifestHead): Promise<void> {
    for (const name of ARRAYS) this.parts[name].file.close();
    this.pve?.finish();
    const out = await open(this.manifestPath, 'w');
    try {
      let text = '';
      for (const piece of prettyJsonPieces(head)) {
        text += piece;
        if (text.length >= 1 << 20) {
          await out.write(text);
          text = '';
        }
      }
      // Drop the head's closing "\n}" so the arrays continue the same object.
      await out.write(text.slice(0, -2));
      let first = Object.keys(head).length === 0;
      const buffer = Buffer.allocUnsafe(8 << 20);
      for (const name of ARRAYS) {
        await out.write(`${first ? '' : ','}\n  ${JSON.stringify(name)}: [`);
        first = false;
        const part = await open(this.parts[name].file.path, 'r');
        try {
          for (;;) {
            const { bytesRead } = await part.read(buffer, 0, buffer.length);
            if (bytesRead === 0) break;
            await out.write(buffer.subarray(0, bytesRead));
          }
        } finally {
          await part.close();
        }
        await out.write(this.parts[name].closing);
      }
      await out.write('\n}\n');
    } finally {
      await out.close();
    }
    this.removeParts();
  }

  /** Closes and deletes everything written so far (a failed seed leaves no half manifest behind). */
  abort(): void {
    for (const name of ARRAYS) this.parts[name].file.close();
    this.removeParts();
    this.pve?.abort();
  }

  private removeParts(): void {
    for (const name of ARRAYS) rmSync(this.parts[name].file.path, { force: true });
  }
}

export async function writeManifestFile(path: string, manifest: WhmcsManifest): Promise<void> {
  const { clients, users, services, ...head } = manifest;
  const writer = new ManifestFileWriter(path);
  for (const c of clients) writer.client(c);
  for (const u of users) writer.user(u);
  for (const s of services) writer.service(s);
  await writer.finish(head);
}

// eslint-disable-next-line @typescript-eslint/require-await -- the writer is synchronous; callers await the promise
export async function writePveStateFile(path: string, state: PveState): Promise<void> {
  const writer = new PveStateFileWriter(path);
  for (const vm of state.vms) writer.vm(vm);
  writer.finish();
}
