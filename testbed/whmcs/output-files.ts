/** Writes the manifest and the PVE simulator state. Streams one array element per line so a 1M-service manifest never becomes one giant string. */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';
import type { PveState, WhmcsManifest } from './manifest.ts';

async function writeJsonStreaming(
  path: string,
  head: Record<string, unknown>,
  arrays: Record<string, readonly unknown[]>,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const out = createWriteStream(path, { encoding: 'utf8' });
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, 'drain');
  };
  const headText = JSON.stringify(head, null, 2);
  let first = Object.keys(head).length === 0;
  await write(first ? '{' : headText.slice(0, -2));
  for (const [key, items] of Object.entries(arrays)) {
    await write(`${first ? '' : ','}\n  ${JSON.stringify(key)}: [`);
    first = false;
    let chunk = '';
    for (let i = 0; i < items.length; i++) {
      chunk += `${i === 0 ? '\n    ' : ',\n    '}${JSON.stringify(items[i])}`;
      if (chunk.length > 1 << 20) {
        await write(chunk);
        chunk = '';
      }
    }
    await write(`${chunk}${items.length > 0 ? '\n  ' : ''}]`);
  }
  await write('\n}\n');
  out.end();
  await once(out, 'finish');
}

export async function writeManifestFile(path: string, manifest: WhmcsManifest): Promise<void> {
  const { clients, users, services, ...head } = manifest;
  await writeJsonStreaming(path, head, { clients, users, services });
}

export async function writePveStateFile(path: string, state: PveState): Promise<void> {
  await writeJsonStreaming(path, {}, { vms: state.vms });
}
