// Cluster and nodes: node list and status, nextid, cluster/resources, the storage list.
import { GiB, storageVisibleOn } from '../cluster.ts';
import type { Params, SimContext } from './context.ts';
import { DURATION } from './context.ts';
import { die, paramError } from './errors.ts';
import { nodeCpu, nodeMemUsed, nodeSummary, storageEntry, vmStatus } from './status.ts';

export function nodeList(ctx: SimContext): unknown[] {
  return ctx.state.nodes.map((n) => ({
    ...nodeSummary(ctx.state, n),
    ssl_fingerprint: ctx.fingerprint ?? undefined,
  }));
}

export function nodeStatus(ctx: SimContext, name: string): Record<string, unknown> {
  const node = ctx.node(name);
  const now = Date.now();
  const used = nodeMemUsed(ctx.state, name, now);
  const cpu = nodeCpu(ctx.state, name);
  const load = (cpu * node.maxcpu).toFixed(2);
  return {
    cpu,
    wait: 0.0012,
    loadavg: [load, load, load],
    uptime: Math.floor((now - node.bootedAt) / 1000),
    idle: 0,
    memory: { total: node.maxmem, used, free: node.maxmem - used, available: node.maxmem - used },
    swap: { total: 8 * GiB, used: 0, free: 8 * GiB },
    rootfs: {
      total: node.rootfsTotal,
      used: Math.floor(node.rootfsTotal * 0.08),
      free: Math.floor(node.rootfsTotal * 0.92),
      avail: Math.floor(node.rootfsTotal * 0.87),
    },
    cpuinfo: {
      cpus: node.maxcpu,
      sockets: 1,
      cores: node.maxcpu / 2,
      model: 'AMD EPYC 7313P 16-Core Processor',
      mhz: '3000.000',
      hvm: '1',
      user_hz: 100,
      flags: 'fpu vme de pse tsc msr pae mce cx8 apic sep svm',
    },
    pveversion: 'pve-manager/9.1.1/5a8bf6f7c2b0e8d1',
    kversion: 'Linux 6.17.2-1-pve #1 SMP PREEMPT_DYNAMIC PMX 6.17.2-1 (2025-11-03T09:42Z)',
    'current-kernel': {
      sysname: 'Linux',
      release: '6.17.2-1-pve',
      version: '#1 SMP PREEMPT_DYNAMIC PMX 6.17.2-1 (2025-11-03T09:42Z)',
      machine: 'x86_64',
    },
    'boot-info': { mode: 'efi', secureboot: 0 },
    ksm: { shared: 0 },
  };
}

export function nextId(ctx: SimContext, vmid: number | undefined): string {
  if (vmid !== undefined) {
    if (ctx.state.vms[String(vmid)]) throw paramError({ vmid: `VM ${vmid} already exists` });
    return String(vmid);
  }
  for (let id = 100; id < 1_000_000; id++) if (!ctx.state.vms[String(id)]) return String(id);
  throw die('unable to get any free VMID in range [100, 999999]');
}

export function clusterResources(ctx: SimContext, type: string | undefined): unknown[] {
  const now = Date.now();
  const out: unknown[] = [];
  if (!type || type === 'node')
    for (const n of ctx.state.nodes) out.push({ ...nodeSummary(ctx.state, n), 'cgroup-mode': 2 });
  if (!type || type === 'vm') {
    for (const vm of Object.values(ctx.state.vms)) {
      const base = { id: `qemu/${vm.vmid}`, type: 'qemu', node: vm.node, vmid: vm.vmid };
      if (now - vm.createdAt < ctx.clock.realMs(DURATION.statusRefresh)) {
        out.push({ ...base, status: 'unknown' });
        continue;
      }
      const s = vmStatus(vm, false);
      out.push({
        ...base,
        name: s.name,
        status: s.status,
        template: vm.config.template ? 1 : 0,
        maxcpu: s.cpus,
        cpu: s.cpu,
        maxmem: s.maxmem,
        mem: s.mem,
        memhost: s.memhost,
        maxdisk: s.maxdisk,
        disk: 0,
        uptime: s.uptime,
        netin: s.netin,
        netout: s.netout,
        diskread: s.diskread,
        diskwrite: s.diskwrite,
        ...(vm.config.lock !== undefined ? { lock: vm.config.lock } : {}),
        ...(vm.config.tags !== undefined ? { tags: vm.config.tags } : {}),
      });
    }
  }
  if (!type || type === 'storage') {
    for (const n of ctx.state.nodes) {
      for (const s of ctx.storagesOn(n.name)) {
        const e = storageEntry(ctx.state, s, n.name);
        out.push({
          id: `storage/${n.name}/${s.storage}`,
          type: 'storage',
          node: n.name,
          storage: s.storage,
          status: 'available',
          plugintype: s.type,
          content: s.content,
          shared: e.shared,
          disk: e.used,
          maxdisk: e.total,
        });
      }
    }
  }
  if (!type || type === 'sdn') {
    for (const n of ctx.state.nodes)
      out.push({
        id: `sdn/${n.name}/localnetwork`,
        type: 'sdn',
        sdn: 'localnetwork',
        node: n.name,
        status: 'ok',
      });
  }
  return out;
}

export function storageList(ctx: SimContext, p: Params): unknown[] {
  const node = String(p.node);
  const wantedContent =
    p.content === undefined
      ? []
      : String(p.content)
          .split(/[,;\s]+/)
          .filter(Boolean);
  return ctx
    .storagesOn(node)
    .filter((s) => p.storage === undefined || s.storage === p.storage)
    .filter((s) => wantedContent.every((c) => s.content.split(',').includes(c)))
    .filter(
      (s) =>
        p.target === undefined || p.target === node || (s.shared && storageVisibleOn(s, String(p.target))),
    )
    .map((s) => ({
      ...storageEntry(ctx.state, s, node),
      ...(p.format === 1 ? { formats: { default: 'raw', supported: ['raw'] } } : {}),
    }));
}
