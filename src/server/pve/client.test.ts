// Keel's PVE client where real PVE answers unkindly: empty 401s, bodies that are not JSON, tags it
// rewrites, and guests it reports with few fields.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPveSim, type PveSim } from '../../../testbed/pve/index.ts';
import { createLogger } from '../logger.ts';
import { PveClient } from './client.ts';
import { PveError } from './errors.ts';
import { pveTags, sameTags } from './tags.ts';

let sim: PveSim;
const clientFor = (baseUrl: string, tokenSecret: string) =>
  new PveClient({
    baseUrl,
    tokenId: 'root@pam!keel',
    tokenSecret,
    log: createLogger('silent'),
    pollMs: 20,
    attempts: 2,
  });

beforeAll(async () => {
  sim = await startPveSim({ port: 0, http: true, speed: 100 });
});
afterAll(async () => {
  await sim.stop();
});

describe('PveClient', () => {
  // pve-http-server AnyEvent.pm answers a refused token with an empty body and no Content-Type.
  it('says PVE refused the API token on an empty 401, never that JSON failed to parse', async () => {
    const client = clientFor(sim.url, '00000000-0000-0000-0000-000000000000');
    const err = await client.nodes().catch((e: unknown) => e);
    client.close();
    expect(err).toBeInstanceOf(PveError);
    expect(err).toMatchObject({ status: 401, kind: 'auth' });
    expect((err as Error).message).toMatch(/^PVE refused the API token \(Authentication failed!\)/);
    expect((err as Error).message).not.toMatch(/JSON/);
  });

  it('refuses a 200 whose body is not JSON with a clear error', async () => {
    const html: Server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html>not the API</html>');
    });
    await new Promise<void>((resolve) => html.listen(0, '127.0.0.1', resolve));
    const client = clientFor(`http://127.0.0.1:${(html.address() as AddressInfo).port}`, sim.tokenSecret);
    try {
      const err = await client.version().catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'permanent' });
      expect((err as Error).message).toMatch(/not JSON: is PVE_URL the Proxmox VE API\?/);
    } finally {
      client.close();
      await new Promise((resolve) => html.close(resolve));
    }
  });

  // pve-guest-common GuestHelpers.pm get_unique_tags: PVE stores what it is sent, normalised.
  it('writes tags in the form PVE reads them back', async () => {
    const client = clientFor(sim.url, sim.tokenSecret);
    try {
      const result = await client.waitForTask(await client.cloneVm('pve1', 9001, { newid: 700 }), 20_000);
      expect(result.ok).toBe(true);
      const written = ['Keel', 'keel-7F3A', 'keel'];
      await client.updateVmConfig('pve1', 700, { tags: pveTags(written) });
      const config = await client.vmConfig('pve1', 700);
      expect(config.tags).toBe(pveTags(written));
      expect(sameTags(written, String(config.tags))).toBe(true);
      // Unnormalised tags read back differently: the drift a naive comparison would see.
      await client.updateVmConfig('pve1', 700, { tags: written.join(';') });
      expect((await client.vmConfig('pve1', 700)).tags).not.toBe(written.join(';'));
    } finally {
      client.close();
    }
  });

  // pve-manager API2Tools.pm extract_vm_stats: a guest pvestatd has not sampled is only `unknown`.
  it('lists a guest just cloned with its lock but no figures', async () => {
    const client = clientFor(sim.url, sim.tokenSecret);
    try {
      const upid = await client.cloneVm('pve1', 9001, { newid: 701 });
      let vm;
      for (const deadline = Date.now() + 10_000; !vm && Date.now() < deadline;)
        vm = (await client.clusterVms()).find((v) => v.vmid === 701);
      expect(vm).toEqual({
        id: 'qemu/701',
        vmid: 701,
        node: 'pve1',
        type: 'qemu',
        status: 'unknown',
        lock: 'clone',
      });
      await client.waitForTask(upid, 20_000);
    } finally {
      client.close();
    }
  });
});
