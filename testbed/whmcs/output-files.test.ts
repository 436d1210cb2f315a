import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWhmcs, generateWhmcsStreaming } from './generate.ts';
import type { RowSink } from './generate.ts';
import {
  ManifestFileWriter,
  prettyJsonPieces,
  writeManifestFile,
  writePveStateFile,
} from './output-files.ts';

const noRows: RowSink = { add: () => undefined, wantsFlush: false };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'whmcs-output-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('prettyJsonPieces', () => {
  it.each([
    ['empty object', {}],
    ['empty array', []],
    ['nested', { a: [1, 2, [3, []]], b: { c: null, d: 'x"y', e: {} }, f: true }],
    ['undefined members are left out', { a: undefined, b: 1, c: [undefined] }],
    ['primitives', 'text'],
    ['non-ASCII keys and values', { Zoë: ['山田太郎', 'Ñandú'] }],
  ])('%s equals JSON.stringify(value, null, 2)', (_name, value) => {
    expect([...prettyJsonPieces(value)].join('')).toBe(JSON.stringify(value, null, 2));
  });

  it('equals JSON.stringify(value, null, 2) for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect([...prettyJsonPieces(value)].join('')).toBe(JSON.stringify(value, null, 2));
      }),
    );
  });
});

describe('manifest files', () => {
  it('streams the same bytes as writing the in-memory manifest, and removes its part files', async () => {
    const { manifest, pveState } = await generateWhmcs({ seed: 3, scale: 40 }, noRows);
    await writeManifestFile(join(dir, 'memory.json'), manifest);
    await writePveStateFile(join(dir, 'memory-pve.json'), pveState);

    const writer = new ManifestFileWriter(join(dir, 'streamed.json'), join(dir, 'streamed-pve.json'));
    const head = await generateWhmcsStreaming({ seed: 3, scale: 40 }, noRows, writer);
    await writer.finish(head);

    const streamed = await readFile(join(dir, 'streamed.json'), 'utf8');
    expect(streamed).toBe(await readFile(join(dir, 'memory.json'), 'utf8'));
    expect(await readFile(join(dir, 'streamed-pve.json'), 'utf8')).toBe(
      await readFile(join(dir, 'memory-pve.json'), 'utf8'),
    );
    expect(JSON.parse(streamed)).toEqual(JSON.parse(JSON.stringify(manifest)));
    expect(Object.keys(JSON.parse(streamed) as object)).toEqual([
      'formatVersion',
      'seed',
      'scale',
      'whmcsVersion',
      'rules',
      'counts',
      'plans',
      'cases',
      'clients',
      'users',
      'services',
    ]);
    expect((await readdir(dir)).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('writes every user once, in id order, with the accounts it gained from later clients', async () => {
    const { manifest } = await generateWhmcs({ seed: 5, scale: 3000 }, noRows);
    expect(manifest.users.map((u) => u.id)).toEqual(manifest.users.map((_, i) => i + 1));
    const shared = manifest.users.filter((u) => u.accounts.filter((a) => a.owner).length > 1);
    // The hand-written case and the ones sprinkled through the bulk clients.
    expect(shared.some((u) => u.id <= 12)).toBe(true);
    expect(shared.some((u) => u.id > 12)).toBe(true);
    for (const user of shared) {
      for (const { clientId } of user.accounts.filter((a) => a.owner)) {
        expect(manifest.clients[clientId - 1]!.expected.ownerUserId).toBe(user.id);
      }
    }
  });

  it('abort leaves neither the manifest nor its parts behind', () => {
    const writer = new ManifestFileWriter(join(dir, 'aborted.json'), join(dir, 'aborted-pve.json'));
    writer.vm({ vmid: 1, node: 'pve1', name: 'a', cores: 1, memoryMb: 1, diskGb: 1, status: 'running' });
    writer.abort();
    expect(existsSync(join(dir, 'aborted-pve.json'))).toBe(false);
    expect(existsSync(join(dir, 'aborted.json.clients.part'))).toBe(false);
  });
});
