// Cluster and nodes: node list and status, nextid, cluster/resources, the storage list.
import { GiB, storageVisibleOn, type VmState } from '../cluster.ts';
import type { Params, SimContext } from './context.ts';
import { DURATION } from './context.ts';
import { die, paramError } from './errors.ts';
import { nodeCpu, nodeMemUsed, nodeSummary, storageEntry, vmStatus } from './status.ts';

/** pve-manager API2/Nodes.pm index: extract_node_stats per node, plus its certificate's fingerprint. */
export function nodeList(ctx: SimContext): unknown[] {
  return ctx.state.nodes.map((n) => ({ ...nodeSummary(ctx.state, n), ssl_fingerprint: ctx.fingerprint }));
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

/**
 * The VM's power state at `at` (epoch ms), from its power history: the last transition before then,
 * else the opposite of the first one after it, else the state it is in now.
 */
export function powerStateAt(vm: VmState, at: number): 'running' | 'stopped' {
  const history = vm.powerHistory ?? [];
  const before = history.filter((h) => h.at <= at).at(-1);
  if (before) return before.running ? 'running' : 'stopped';
  const first = history[0];
  if (first) return first.running ? 'stopped' : 'running';
  return vm.status;
}

/**
 * pve-manager API2/Cluster.pm resources with API2Tools.pm extract_vm_stats / extract_node_stats /
 * extract_storage_stats: guests, nodes, storages, then the network zones. A guest's figures come
 * from pvestatd's RRD samples, so one too new to have any is only `status: unknown`; its `lock` and
 * `tags` come from the config either way.
 */
export function clusterResources(ctx: SimContext, type: string | undefined): unknown[] {
  const now = Date.now();
  const { resourcesStaleMs, resourcesSampledAt } = ctx.faults();
  const sampledAt =
    resourcesSampledAt ?? (resourcesStaleMs > 0 ? now - ctx.clock.realMs(resourcesStaleMs) : null);
  const out: unknown[] = [];
  if (!type || type === 'vm') {
    for (const vmid of Object.keys(ctx.state.vms).sort()) {
      const vm = ctx.state.vms[vmid];
      if (!vm) continue;
      const entry: Record<string, unknown> = {
        id: `qemu/${vm.vmid}`,
        vmid: vm.vmid,
        node: vm.node,
        type: 'qemu',
        status: 'unknown',
      };
      if (now - vm.createdAt >= ctx.clock.realMs(DURATION.statusRefresh)) {
        // pvestatd samples the full vmstatus.
        const s = vmStatus(vm, { full: true, hostCpus: ctx.node(vm.node).maxcpu });
        Object.assign(entry, {
          uptime: s.uptime,
          name: s.name,
          status: s.status,
          template: vm.config.template ? 1 : 0,
          maxcpu: s.cpus,
          cpu: s.cpu,
          maxmem: s.maxmem,
          mem: s.mem,
          maxdisk: s.maxdisk,
          disk: 0,
          netin: s.netin,
          netout: s.netout,
          diskread: s.diskread ?? 0,
          diskwrite: s.diskwrite ?? 0,
          memhost: s.memhost,
        });
        // A stale sample shows the power state at `sampledAt`; a guest stopped then has no load.
        if (sampledAt !== null) {
          const sampled = powerStateAt(vm, sampledAt);
          if (sampled !== entry.status) {
            entry.status = sampled;
            if (sampled === 'stopped')
              Object.assign(entry, { uptime: 0, cpu: 0, mem: 0, netin: 0, netout: 0 });
          }
        }
      }
      if (vm.config.lock !== undefined) entry.lock = vm.config.lock;
      if (vm.config.tags !== undefined) entry.tags = vm.config.tags;
      out.push(entry);
    }
  }
  if (!type || type === 'node')
    for (const n of ctx.state.nodes) out.push({ ...nodeSummary(ctx.state, n), 'cgroup-mode': 2 });
  if (!type || type === 'storage') {
    for (const s of [...ctx.state.storages].sort((a, b) => (a.storage < b.storage ? -1 : 1))) {
      for (const n of ctx.state.nodes) {
        if (!storageVisibleOn(s, n.name)) continue;
        const e = storageEntry(ctx.state, s, n.name);
        out.push({
          id: `storage/${n.name}/${s.storage}`,
          storage: s.storage,
          node: n.name,
          type: 'storage',
          plugintype: s.type,
          status: 'available',
          shared: e.shared,
          content: s.content,
          maxdisk: e.total,
          disk: e.used,
        });
      }
    }
  }
  // `sdn` entries come only from nodes that do not yet send the `network` resources (PVE < 9.0.12);
  // every node here does, so they list their local zone as `network` instead.
  if (!type) {
    for (const n of ctx.state.nodes)
      out.push({
        id: `network/${n.name}/zone/localnetwork`,
        type: 'network',
        'network-type': 'zone',
        network: 'localnetwork',
        node: n.name,
        status: 'ok',
      });
  }
  return out;
}

/**
 * pve-storage API2/Storage/Status.pm index over Storage.pm storage_info: a `content` filter keeps a
 * storage that has any of the types; an unknown `storage` is a parameter error.
 */
export function storageList(ctx: SimContext, p: Params): unknown[] {
  const node = String(p.node);
  const wanted =
    p.content === undefined
      ? undefined
      : String(p.content)
          .split(/[,;\s]+/)
          .filter(Boolean);
  const known = ctx
    .storagesOn(node)
    .filter((s) => wanted === undefined || wanted.some((c) => s.content.split(',').includes(c)));
  if (p.storage !== undefined && !known.some((s) => s.storage === p.storage))
    throw paramError({ storage: 'No such storage.' });
  const target = p.target !== undefined && p.target !== node ? String(p.target) : undefined;
  return known
    .filter((s) => p.storage === undefined || s.storage === p.storage)
    .filter((s) => target === undefined || (s.shared && storageVisibleOn(s, target)))
    .map((s) => {
      const entry = storageEntry(ctx.state, s, node);
      if (p.format !== 1) return entry;
      const supported = s.type === 'dir' ? ['qcow2', 'raw', 'vmdk'] : ['raw'];
      const valid = Object.fromEntries(supported.map((f) => [f, 1]));
      return { ...entry, formats: { supported, default: 'raw' }, format: [valid, 'raw'] };
    });
}
