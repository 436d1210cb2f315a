// What a customer's self-service needs from PVE: the guest agent's set-user-password (qemu-server
// API2/Qemu/Agent.pm, QemuServer/Agent.pm agent_cmd), the cloud-init password (Qemu.pm update_vm
// cipassword, cloudinit_update, cloudinit_pending; QemuServer/Cloudinit.pm cloudinit_userdata),
// hotplug of a bigger plan (QemuServer.pm vmconfig_hotplug_pending, Memory.pm) and rrddata
// (Qemu.pm rrddata, pve-cluster RRD.pm create_rrd_data).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RRD_SETUP, rrdData } from './api/rrd.ts';
import { startPveSim, type PveSim } from './index.ts';
import { verifyPassword } from './passwords.ts';
import { pveClient } from './test-client.ts';

let sim: PveSim;
let pve: ReturnType<typeof pveClient>;
type Row = Record<string, unknown>;
const vmPath = (vmid: number) => `/nodes/pve1/qemu/${vmid}`;
const config = async (vmid: number, params?: Record<string, string | number>) =>
  (await pve.get(`${vmPath(vmid)}/config`, params)).body.data as Row;

beforeAll(async () => {
  sim = await startPveSim({
    port: 0,
    http: true,
    speed: 100,
    // Running for a day: rrddata has a day of samples for it.
    vms: [
      { vmid: 800, node: 'pve1', name: 'old-01', cores: 2, memoryMb: 2048, diskGb: 20, status: 'running' },
    ],
  });
  pve = pveClient(sim);
  await pve.cloneAndWait(9001, 810, { name: 'pw-01' });
  await pve.put(`${vmPath(810)}/config`, { ciuser: 'admin' });
  await pve.runTask('POST', `${vmPath(810)}/status/start`);
});
afterAll(async () => {
  await sim.stop();
});

const guestPasswords = (vmid: number) => sim.sim.vm(vmid)?.guestPasswords ?? {};

describe('POST agent/set-user-password (Agent.pm)', () => {
  it("refuses in agent_cmd's order: no agent configured, VM not running, agent not (yet) running", async () => {
    await pve.cloneAndWait(9001, 811, { name: 'pw-02' });
    const stopped = await pve.post(`${vmPath(811)}/agent/set-user-password`, {
      username: 'root',
      password: 'secret1',
    });
    expect([stopped.status, stopped.reason]).toEqual([500, 'VM 811 is not running']);
    await pve.put(`${vmPath(811)}/config`, { delete: 'agent' });
    const none = await pve.post(`${vmPath(811)}/agent/set-user-password`, {
      username: 'root',
      password: 'secret1',
    });
    expect(none.reason).toBe('No QEMU guest agent configured');
    await pve.put(`${vmPath(811)}/config`, { agent: 1 });
    await pve.runTask('POST', `${vmPath(811)}/status/start`);
    // Right after boot the agent does not answer its guest-ping yet.
    const early = await pve.post(`${vmPath(811)}/agent/set-user-password`, {
      username: 'root',
      password: 'secret1',
    });
    expect(early.reason).toBe('QEMU guest agent is not running');
  });

  it('sets the password: `{result: {}}`, and the guest keeps only a hash of it', async () => {
    await pve.pollAgentIp('pve1', 810);
    const res = await pve.post(`${vmPath(810)}/agent/set-user-password`, {
      username: 'root',
      password: 'n3w-Secret!',
    });
    expect([res.status, res.body.data]).toEqual([200, { result: {} }]);
    const root = guestPasswords(810).root;
    expect(root).toMatchObject({ setBy: 'agent', hash: expect.stringMatching(/^\$5\$/) });
    expect(verifyPassword(root?.hash ?? '', 'n3w-Secret!')).toBe(true);
    expect(verifyPassword(root?.hash ?? '', 'other')).toBe(false);
    // Never the plaintext, anywhere in the simulator's state or task logs.
    expect(JSON.stringify(sim.sim.state())).not.toContain('n3w-Secret!');
  });

  it('crypted=1 hands the hash over as it is; the cloud-init user exists too; an unknown user fails in the guest', async () => {
    const hash =
      '$6$saltsalt$0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ./0123456789abcdef';
    const crypted = await pve.post(`${vmPath(810)}/agent/set-user-password`, {
      username: 'admin',
      password: hash,
      crypted: 1,
    });
    expect(crypted.status).toBe(200);
    expect(guestPasswords(810).admin?.hash).toBe(hash);
    const unknown = await pve.post(`${vmPath(810)}/agent/set-user-password`, {
      username: 'nobody',
      password: 'secret1',
    });
    expect([unknown.status, unknown.reason]).toEqual([
      500,
      'Agent error: child process has failed to set user password',
    ]);
    const short = await pve.post(`${vmPath(810)}/agent/set-user-password`, {
      username: 'root',
      password: 'abc',
    });
    expect(short.status).toBe(400);
    expect(short.body.errors?.password).toBe('value must be at least 5 characters long');
  });
});

describe('cipassword and the cloud-init drive', () => {
  it('stored crypted, shown masked; the drive and the guest get it only when regenerated and booted', async () => {
    await pve.put(`${vmPath(810)}/config`, { cipassword: 'cloud-Pass1' });
    expect((await config(810)).cipassword).toBe('**********');
    expect((await config(810, { current: 1 })).cipassword).toBe('**********');
    const stored = String(sim.sim.vm(810)?.config.cipassword);
    expect(stored).toMatch(/^\$5\$/);
    expect(verifyPassword(stored, 'cloud-Pass1')).toBe(true);
    // GET cloudinit: the drive still has no password; the new one is pending (masked).
    const pending = (await pve.get(`${vmPath(810)}/cloudinit`)).body.data as Row[];
    expect(pending.find((r) => r.key === 'cipassword')).toEqual({ key: 'cipassword', pending: '**********' });
    // The user-data a regenerated drive would carry has the hash, never the plaintext.
    const dump = String((await pve.get(`${vmPath(810)}/cloudinit/dump`, { type: 'user' })).body.data);
    expect(dump).toBe(
      [
        '#cloud-config',
        'hostname: pw-01',
        'manage_etc_hosts: true',
        'fqdn: pw-01',
        'user: admin',
        `password: ${stored}`,
        'chpasswd:',
        '  expire: False',
        'users:',
        '  - default',
        'package_upgrade: true',
        '',
      ].join('\n'),
    );
    expect(guestPasswords(810).admin?.setBy).toBe('agent');
    // PUT cloudinit regenerates the drive; the running guest reads it at its next boot.
    expect((await pve.put(`${vmPath(810)}/cloudinit`)).status).toBe(200);
    expect(
      ((await pve.get(`${vmPath(810)}/cloudinit`)).body.data as Row[]).find((r) => r.key === 'cipassword'),
    ).toEqual({
      key: 'cipassword',
      value: '**********',
    });
    expect(guestPasswords(810).admin?.setBy).toBe('agent');
    await pve.runTask('POST', `${vmPath(810)}/status/reboot`);
    expect(guestPasswords(810).admin).toMatchObject({ setBy: 'cloud-init', hash: stored });
    // The agent's root password is untouched by cloud-init.
    expect(guestPasswords(810).root?.setBy).toBe('agent');
  });

  it("a reboot with an unchanged drive does not run cloud-init's password module again", async () => {
    await pve.pollAgentIp('pve1', 810);
    await pve.post(`${vmPath(810)}/agent/set-user-password`, { username: 'admin', password: 'agent-Pass2' });
    await pve.runTask('POST', `${vmPath(810)}/status/reboot`);
    expect(verifyPassword(guestPasswords(810).admin?.hash ?? '', 'agent-Pass2')).toBe(true);
  });

  it('PUT cloudinit is refused while the VM is locked', async () => {
    const slow = await pve.post(`${vmPath(810)}/snapshot`, { snapname: 'pw' });
    await expect.poll(async () => (await config(810)).lock).toBe('snapshot');
    const res = await pve.put(`${vmPath(810)}/cloudinit`);
    expect([res.status, res.reason]).toEqual([500, 'VM is locked (snapshot)']);
    await pve.waitTask(String(slow.body.data));
  });
});

describe('a bigger plan on a running VM (vmconfig_hotplug_pending)', () => {
  it('cores and memory stay pending without hotplug; cpulimit applies at once', async () => {
    await pve.put(`${vmPath(810)}/config`, { cores: 2, memory: '2048', cpulimit: 2 });
    const current = await config(810, { current: 1 });
    expect(current).toMatchObject({ cores: 1, memory: '1024', cpulimit: 2 });
    expect(await config(810)).toMatchObject({ cores: 2, memory: '2048' });
    await pve.runTask('POST', `${vmPath(810)}/status/reboot`);
    expect(await config(810, { current: 1 })).toMatchObject({ cores: 2, memory: '2048' });
  });

  it('memory hotplug needs NUMA: without it the value stays pending and the update is a 400', async () => {
    await pve.runTask('POST', `${vmPath(810)}/status/stop`);
    await pve.put(`${vmPath(810)}/config`, { hotplug: 'network,disk,cpu,memory', vcpus: 1, cores: 4 });
    await pve.runTask('POST', `${vmPath(810)}/status/start`);
    const noNuma = await pve.put(`${vmPath(810)}/config`, { memory: '4096' });
    expect(noNuma.status).toBe(400);
    expect(noNuma.body.errors).toEqual({
      memory: 'hotplug problem - NUMA needs to be enabled for memory hotplug',
    });
    expect((await config(810, { current: 1 })).memory).toBe('2048');
    expect((await config(810)).memory).toBe('4096');
    await pve.runTask('POST', `${vmPath(810)}/status/stop`);
    await pve.put(`${vmPath(810)}/config`, { numa: 1 });
    await pve.runTask('POST', `${vmPath(810)}/status/start`);
    expect((await pve.put(`${vmPath(810)}/config`, { memory: '8192', vcpus: 3 })).status).toBe(200);
    expect(await config(810, { current: 1 })).toMatchObject({ memory: '8192', vcpus: 3 });
  });

  it('a disk only grows: shrinking is refused in the resize task', async () => {
    const task = await pve.runTask('PUT', `${vmPath(810)}/resize`, { disk: 'scsi0', size: '1G' });
    expect(task.exitstatus).toBe('shrinking disks is not supported');
    expect(
      (await pve.runTask('PUT', `${vmPath(810)}/resize`, { disk: 'scsi0', size: '+2G' })).exitstatus,
    ).toBe('OK');
    expect(String((await config(810)).scsi0)).toContain('size=5G');
  });
});

describe('GET rrddata (RRD.pm create_rrd_data, pve-vm-9.0)', () => {
  it.each(Object.entries(RRD_SETUP))(
    "%s: rows at PVE 9's resolution, labelled as rrdtool fetch labels them",
    async (timeframe, [step, rows]) => {
      const res = await pve.get(`${vmPath(800)}/rrddata`, { timeframe });
      const data = res.body.data as Row[];
      expect(data).toHaveLength(rows);
      const ctime = step * Math.floor(Date.now() / 1000 / step);
      // The last row is the newest complete interval; the still-empty one is popped.
      expect([ctime - step, ctime - 2 * step]).toContain(data.at(-1)?.time);
      for (let i = 1; i < data.length; i++)
        expect(Number(data[i]?.time) - Number(data[i - 1]?.time)).toBe(step);
    },
  );

  it('the pve-vm-9.0 fields, plausible and the same on every call; MAX is at least AVERAGE', async () => {
    const get = async (cf?: string) =>
      (await pve.get(`${vmPath(800)}/rrddata`, { timeframe: 'hour', ...(cf ? { cf } : {}) })).body
        .data as Row[];
    const [average, again, max] = [await get(), await get('AVERAGE'), await get('MAX')];
    expect(again).toEqual(average);
    const last = average.at(-1) as Row;
    expect(Object.keys(last).sort()).toEqual(
      [
        'time',
        'maxcpu',
        'cpu',
        'maxmem',
        'mem',
        'memhost',
        'maxdisk',
        'disk',
        'netin',
        'netout',
        'diskread',
        'diskwrite',
        'pressurecpusome',
        'pressurecpufull',
        'pressureiosome',
        'pressureiofull',
        'pressurememorysome',
        'pressurememoryfull',
      ].sort(),
    );
    expect(last).toMatchObject({ maxcpu: 2, maxmem: 2048 * 1024 ** 2, maxdisk: 20 * 1024 ** 3, disk: 0 });
    for (const [i, row] of average.entries()) {
      expect(Number(row.cpu)).toBeGreaterThan(0);
      expect(Number(row.cpu)).toBeLessThanOrEqual(1);
      expect(Number(row.mem)).toBeLessThan(Number(row.maxmem));
      expect(Number(row.netin)).toBeGreaterThan(0);
      expect(Number(max[i]?.cpu)).toBeGreaterThanOrEqual(Number(row.cpu));
      expect(Number(max[i]?.netin)).toBeGreaterThanOrEqual(Number(row.netin));
    }
    // A day ago the VM did not exist yet: those rows have only a time.
    const week = (await pve.get(`${vmPath(800)}/rrddata`, { timeframe: 'week' })).body.data as Row[];
    expect(Object.keys(week[0] ?? {})).toEqual(['time']);
    expect(Number(week.at(-1)?.cpu)).toBeGreaterThan(0);
  });

  it('a bucket the VM spent stopped has zero cpu, memory and traffic; one half running averages half', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 30);
    const at = (minutesAgo: number) => Date.UTC(2026, 0, 1, 12, 0, 0) - minutesAgo * 60_000;
    const vm = {
      ...structuredClone(sim.sim.vm(800)!),
      createdAt: at(120),
      // Started 50 min ago, stopped 20 min ago, started again 10.5 min ago.
      powerHistory: [
        { at: at(50), running: true },
        { at: at(20), running: false },
        { at: at(10.5), running: true },
      ],
    };
    const rows = rrdData(vm, 'hour', 'AVERAGE', now) as Row[];
    const row = (minutesAgo: number) => rows.find((r) => r.time === at(minutesAgo) / 1000) as Row;
    const busy = (r: Row) => [r.cpu, r.mem, r.netin, r.netout, r.diskread, r.diskwrite];
    for (const stopped of [55, 51, 19, 15, 12])
      expect(busy(row(stopped)), `${stopped}`).toEqual([0, 0, 0, 0, 0, 0]);
    for (const running of [50, 30, 21, 10, 1])
      expect(Number(row(running).cpu), `${running}`).toBeGreaterThan(0);
    // The interval (11 min ago, 10 min ago] was half running: AVERAGE halves, MAX keeps the peak.
    const max = rrdData(vm, 'hour', 'MAX', now) as Row[];
    const half = row(11);
    const full = rrdData(
      { ...vm, powerHistory: [{ at: at(60), running: true }] },
      'hour',
      'AVERAGE',
      now,
    ) as Row[];
    const fullHalf = full.find((r) => r.time === half.time) as Row;
    expect(Number(half.netin)).toBeCloseTo(Number(fullHalf.netin) / 2, 3);
    expect(Number(max.find((r) => r.time === half.time)?.netin)).toBeGreaterThan(Number(fullHalf.netin));
    // Deterministic: the same inputs give the same series.
    expect(rrdData(vm, 'hour', 'AVERAGE', now)).toEqual(rows);
    // Two hours of history: the first hour's rows are from before the VM existed.
    expect(rows).toHaveLength(60);
    expect(rrdData({ ...vm, createdAt: at(30) }, 'hour', 'AVERAGE', now).slice(0, 29)).toEqual(
      rows.slice(0, 29).map((r) => ({ time: r.time })),
    );
  });
});
