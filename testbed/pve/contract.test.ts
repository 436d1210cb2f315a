// Contract: a third-party client written against real PVE (npm `proxmox-api`) drives a whole VM
// lifecycle against the simulator running as its own process. A simulator change that breaks what
// a real client expects (content types, the envelope, UPIDs, task status, empty 401s) fails here.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import proxmoxApi, { type Proxmox } from 'proxmox-api';

let proc: ChildProcess;
let pve: Proxmox.Api;
let endpoint: { host: string; port: number; tokenId: string; tokenSecret: string };

async function startSimulatorProcess(): Promise<void> {
  proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'testbed/pve/cli.ts', '--http', '--port', '0', '--speed', '50'],
    { cwd: new URL('../..', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (!/PVE_TOKEN_SECRET=\S+/.test(out)) return;
      clearInterval(timer);
      resolve();
    }, 20);
    proc.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`simulator exited with ${code}: ${out}`));
    });
  });
  const url = new URL(/PVE_URL=(\S+)/.exec(out)![1]!);
  endpoint = {
    host: url.hostname,
    port: Number(url.port),
    tokenId: /PVE_TOKEN_ID=(\S+)/.exec(out)![1]!,
    tokenSecret: /PVE_TOKEN_SECRET=(\S+)/.exec(out)![1]!,
  };
}

beforeAll(async () => {
  await startSimulatorProcess();
  pve = proxmoxApi({
    host: endpoint.host,
    port: endpoint.port,
    schema: 'http',
    tokenID: endpoint.tokenId,
    tokenSecret: endpoint.tokenSecret,
  });
}, 30_000);
afterAll(async () => {
  if (proc.exitCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  await exited;
});

/** Polls a task's status as proxmox-api's users do, until it stops; returns its exit status. */
async function waitTask(upid: string, timeoutMs = 30_000): Promise<string> {
  const node = upid.split(':')[1]!;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await pve.nodes.$(node).tasks.$(upid).status.$get();
    if (status.status === 'stopped') return String(status.exitstatus);
    expect(status.status).toBe('running');
    if (Date.now() > deadline) throw new Error(`task ${upid} still running`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('proxmox-api 1.1.1 against the simulator process', () => {
  it('clone → config → resize → start → status → shutdown → start → stop → delete', async () => {
    const node = pve.nodes.$('pve1');
    expect((await pve.nodes.$get()).map((n) => n.node)).toEqual(['pve1', 'pve2']);
    const newid = Number(await pve.cluster.nextid.$get());
    expect(newid).toBeGreaterThanOrEqual(100);

    const cloneUpid = await node.qemu.$(9001).clone.$post({ newid, name: 'contract-vm', full: true });
    expect(cloneUpid).toMatch(
      /^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:qmclone:9001:root@pam!keel:$/,
    );
    expect(await waitTask(cloneUpid)).toBe('OK');
    const log = await node.tasks.$(cloneUpid).log.$get({ start: 0, limit: 500 });
    expect(log.at(-1)).toEqual({ n: log.length, t: 'TASK OK' });

    const vm = node.qemu.$(newid);
    expect(
      await vm.config.$put({
        cores: 2,
        memory: '2048',
        tags: 'Web;keel',
        ciuser: 'keel',
        ipconfig0: 'ip=10.9.8.7/24,gw=10.9.8.1',
      }),
    ).toBeNull();
    const config = await vm.config.$get();
    expect(config).toMatchObject({
      name: 'contract-vm',
      cores: 2,
      memory: '2048',
      tags: 'keel;web',
      ciuser: 'keel',
    });
    expect(config.digest).toMatch(/^[0-9a-f]{40}$/);

    const resizeUpid = await vm.resize.$put({ disk: 'scsi0', size: '+1G' });
    expect(await waitTask(String(resizeUpid))).toBe('OK');
    expect((await vm.config.$get()).scsi0).toMatch(/size=4G$/);

    expect(await waitTask(await vm.status.start.$post())).toBe('OK');
    const running = await vm.status.current.$get();
    expect(running).toMatchObject({
      vmid: newid,
      status: 'running',
      qmpstatus: 'running',
      cpus: 2,
      maxmem: 2048 * 1024 ** 2,
    });
    expect(typeof running.pid).toBe('number');
    const listed = (await node.qemu.$get()).find((v) => v.vmid === newid);
    expect(listed).toMatchObject({ status: 'running', name: 'contract-vm' });
    const resources = await pve.cluster.resources.$get({ type: 'vm' });
    expect(resources.find((r) => r.vmid === newid)).toMatchObject({
      id: `qemu/${newid}`,
      node: 'pve1',
      type: 'qemu',
    });

    expect(await waitTask(await vm.status.shutdown.$post({ timeout: 30 }))).toBe('OK');
    expect((await vm.status.current.$get()).status).toBe('stopped');
    expect(await waitTask(await vm.status.start.$post())).toBe('OK');
    expect(await waitTask(await vm.status.stop.$post())).toBe('OK');

    expect(await waitTask(await vm.$delete({ purge: true, 'destroy-unreferenced-disks': true }))).toBe('OK');
    await expect(vm.config.$get()).rejects.toThrow(
      `return Error 500 Configuration file 'nodes/pve1/qemu-server/${newid}.conf' does not exist`,
    );
  }, 120_000);

  it('surfaces PVE’s errors the way the client parses them: a 400 with errors, an empty 401', async () => {
    await expect(pve.nodes.$('pve1').qemu.$(9001).config.$put({ cores: 0 })).rejects.toThrow(
      /return Error 400 Parameter verification failed\.: .*"cores":"value must have a minimum value of 1"/,
    );
    const refused = proxmoxApi({
      host: endpoint.host,
      port: endpoint.port,
      schema: 'http',
      tokenID: endpoint.tokenId,
      tokenSecret: '00000000-0000-0000-0000-000000000000',
    });
    // proxmox-api reads a body without a Content-Type as text: the empty 401 comes through whole.
    await expect(refused.version.$get()).rejects.toThrow(
      'return Error 401 Authentication failed!: {"data":null,"errors":""}',
    );
  });
});
