/**
 * Emits services: for each, the configurable option rows, the custom field values, the pvewhmcs module row, the
 * tblhosting row, and the manifest entry with the outcome the documented rules give (README.md).
 */
import {
  DELETED_OPTION_ID,
  DELETED_SUB_ID,
  GATEWAYS,
  IMAGE_OPTIONS,
  IMAGE_OUTSIDE_LIST,
  LOCATIONS,
  PLANS,
  PVEWHMCS_NODES,
  SERVERS,
  defaultOptionValue,
  fieldByRole,
  optionsForProduct,
  productById,
  type ConfigOptionDef,
  type ProductDef,
} from './catalogue.ts';
import type { CaseName } from './cases.ts';
import { dayToDate, dateOrNull, htmlDecodeOnce, htmlEncode, money, splitKeyLabel } from './format.ts';
import { TODAY, fakeCiphertext, type Generation } from './generation.ts';
import type {
  ExpectedServer,
  ExpectedWarning,
  LegacyValue,
  ManifestService,
  ServiceSkipReason,
  WhmcsClientStatus,
} from './manifest.ts';
import type { ServicePlan } from './plans.ts';
import type { Prng } from './prng.ts';

const CYCLES = [
  'Monthly',
  'Monthly',
  'Monthly',
  'Quarterly',
  'Semi-Annually',
  'Annually',
  'Biennially',
] as const;
const CYCLE_MONTHS: Record<string, number> = {
  Monthly: 1,
  Quarterly: 3,
  'Semi-Annually': 6,
  Annually: 12,
  Biennially: 24,
  Triennially: 36,
};

function ipFor(serviceId: number): string {
  return `10.${100 + ((serviceId >> 16) & 127)}.${(serviceId >> 8) & 255}.${serviceId & 255}`;
}

function secondIpFor(serviceId: number): string {
  return `172.${16 + ((serviceId >> 16) & 15)}.${(serviceId >> 8) & 255}.${serviceId & 255}`;
}

function vmidFor(serviceId: number): number {
  return 10000 + serviceId;
}

/** The service's configurable option rows (messy ones included); returns the values that count, by attribute. */
function chooseOptions(
  g: Generation,
  prng: Prng,
  serviceId: number,
  options: ConfigOptionDef[],
  messy: ServicePlan['messy'],
  warnings: Set<ExpectedWarning>,
): Map<string, number | string | boolean> {
  const values = new Map<string, number | string | boolean>();
  for (const o of options) {
    const visible = o.subs.filter((sub) => sub.hidden === 0);
    let optionid = o.subs[0]!.id;
    let qty = 0;
    let value: number | string | boolean;
    if (o.type === '1' || o.type === '2') {
      const chosen = prng.pick(visible);
      optionid = chosen.id;
      value = chosen.value!;
    } else if (o.type === '3') {
      qty = prng.chance(0.3) ? 1 : 0;
      value = qty > 0;
    } else {
      qty = prng.pick(o.qtyChoices ?? [o.qtyminimum]);
      value = qty;
    }
    if (messy.noOptionRows) {
      values.set(o.attr, defaultOptionValue(o));
      continue;
    }
    if (messy.duplicateOptionRows && (o.type === '1' || o.type === '2')) {
      // An older row with a different choice, then the newest row that counts.
      const older = visible.find((sub) => sub.id !== optionid) ?? visible[0]!;
      g.addOptionRow(serviceId, o.id, older.id, 0);
      warnings.add('duplicate-config-option-rows');
    }
    if (messy.orphanOptionRows && o.attr === 'backups') {
      // The chosen backups sub-option was deleted later: no valid selection, so WHMCS's default applies.
      g.addOptionRow(serviceId, o.id, DELETED_SUB_ID, 0);
      values.set(o.attr, defaultOptionValue(o));
      warnings.add('orphan-config-option-row');
      continue;
    }
    g.addOptionRow(serviceId, o.id, optionid, qty);
    values.set(o.attr, value);
  }
  if (messy.noOptionRows) warnings.add('config-options-missing-defaults-applied');
  if (messy.orphanOptionRows) {
    g.addOptionRow(serviceId, DELETED_OPTION_ID, DELETED_SUB_ID + 1, 1);
    warnings.add('orphan-config-option-row');
  }
  return values;
}

/**
 * One service: its option and field rows, its module row, its tblhosting row, and the manifest's expectation by
 * the documented rules (the outcome, and for a migrating server every Keel value and its PVE VM).
 */
export function emitService(
  g: Generation,
  clientId: number,
  clientStatus: WhmcsClientStatus,
  plan: ServicePlan,
  prng: Prng,
): void {
  const id = g.nextServiceId++;
  const product: ProductDef = productById(plan.productId);
  const cases = new Set<CaseName>(plan.cases);
  const warnings = new Set<ExpectedWarning>();
  const live = plan.status === 'Active' || plan.status === 'Suspended';
  const isProxmox = product.line !== 'shared';
  const serverId =
    !isProxmox || plan.messy.nonProxmoxServer
      ? 3
      : product.line === 'pvewhmcs'
        ? 4
        : LOCATIONS[plan.location || 'fra1'].serverId;
  const regdate = plan.messy.zeroRegdate ? '0000-00-00' : dayToDate(TODAY - prng.int(10, 2500));
  const cycle = prng.pick(CYCLES);
  const nextDue = plan.messy.nullNextDue
    ? null
    : live
      ? dayToDate(TODAY + prng.int(1, 30 * (CYCLE_MONTHS[cycle] ?? 1)))
      : '0000-00-00';
  const amount = money(product.monthly * (CYCLE_MONTHS[cycle] ?? 1) * (prng.chance(0.1) ? 0.8 : 1));
  const dedicatedIp = isProxmox && live ? ipFor(id) : '';
  const hasVm = isProxmox && live && !plan.messy.emptyVmid;
  const vmid = vmidFor(id);

  // Config options and custom fields.
  let specs = new Map<string, number | string | boolean>();
  let notes = '';
  let rootCipher = '';
  if (product.line === 'cf-vmid') {
    specs = chooseOptions(g, prng, id, optionsForProduct(product.id), plan.messy, warnings);
    const f = (role: Parameters<typeof fieldByRole>[1]) => fieldByRole(product.id, role)!.id;
    if (plan.messy.duplicateCustomField) {
      const other =
        plan.imageValue === IMAGE_OPTIONS.split(',')[0]
          ? IMAGE_OPTIONS.split(',')[1]!
          : IMAGE_OPTIONS.split(',')[0]!;
      g.addFieldValue(f('image'), id, other);
      warnings.add('duplicate-custom-field-values');
    }
    g.addFieldValue(f('image'), id, plan.imageValue);
    if (plan.imageValue === IMAGE_OUTSIDE_LIST) warnings.add('custom-field-value-not-in-options');
    g.addFieldValue(
      f('location'),
      id,
      plan.location === '' ? '' : `${plan.location}|${LOCATIONS[plan.location].label}`,
    );
    g.addFieldValue(f('vmid'), id, plan.status === 'Pending' || plan.messy.emptyVmid ? '' : String(vmid));
    notes = plan.messy.doubleEncodedNotes
      ? 'Customer &amp;amp; partner share root access'
      : prng.chance(0.3)
        ? htmlEncode(`Ticket #${prng.int(1000, 9999)}: "rescue" boot done`)
        : '';
    if (plan.messy.doubleEncodedNotes) warnings.add('double-encoded-entity');
    g.addFieldValue(f('notes'), id, notes);
    rootCipher = plan.status === 'Pending' ? '' : fakeCiphertext(prng);
    g.addFieldValue(f('rootPassword'), id, rootCipher);
  } else if (product.line === 'pvewhmcs') {
    const f = (role: Parameters<typeof fieldByRole>[1]) => fieldByRole(product.id, role)!.id;
    g.addFieldValue(f('kvmTemplate'), id, plan.kvmTemplate.value);
    rootCipher = fakeCiphertext(prng);
    g.addFieldValue(f('rootPassword'), id, rootCipher);
  } else {
    g.addFieldValue(25, id, prng.chance(0.5) ? '' : 'Migrated from old panel');
  }
  const pveNode = PVEWHMCS_NODES[id % PVEWHMCS_NODES.length]!;
  if (product.line === 'pvewhmcs' && hasVm) {
    g.sink.add('mod_pvewhmcs_vms', {
      id,
      vmid,
      node_id: pveNode.id,
      user_id: clientId,
      vtype: 'qemu',
      ipaddress: dedicatedIp,
      subnetmask: '255.255.255.0',
      gateway: dedicatedIp.replace(/\.\d+$/, '.1'),
      created: `${regdate === '0000-00-00' ? '2020-01-01' : regdate} 12:00:00`,
      v6prefix: null,
    });
  }

  const extraIp = specs.get('extraIpv4') === true;
  const assignedIps = extraIp && dedicatedIp ? [secondIpFor(id)] : [];
  const termination = ['Terminated', 'Cancelled'].includes(plan.status)
    ? dayToDate(TODAY - prng.int(1, 300))
    : '0000-00-00';
  g.sink.add('tblhosting', {
    id,
    userid: clientId,
    orderid: id,
    packageid: product.id,
    server: serverId,
    regdate,
    domain: plan.domain,
    paymentmethod: prng.pick(GATEWAYS),
    qty: 1,
    firstpaymentamount: amount,
    amount,
    billingcycle: cycle,
    nextduedate: nextDue,
    nextinvoicedate: nextDue ?? '0000-00-00',
    termination_date: termination,
    completed_date: plan.status === 'Completed' ? dayToDate(TODAY - prng.int(1, 300)) : '0000-00-00',
    domainstatus: plan.status,
    username: isProxmox ? 'root' : `u${id}`,
    password: fakeCiphertext(prng),
    notes: '',
    subscriptionid: prng.chance(0.2) ? `sub_${g.randomText(14, prng)}` : '',
    promoid: 0,
    promocount: 0,
    suspendreason: plan.status === 'Suspended' ? 'Overdue on Payment' : '',
    overideautosuspend: 0,
    overidesuspenduntil: '0000-00-00',
    dedicatedip: dedicatedIp,
    assignedips: assignedIps.join('\n'),
    ns1: '',
    ns2: '',
    diskusage: 0,
    disklimit: 0,
    bwusage: 0,
    bwlimit: 0,
    lastupdate: '0000-00-00 00:00:00',
    created_at: `${regdate === '0000-00-00' ? '2020-01-01' : regdate} 12:00:00`,
    updated_at: `${regdate === '0000-00-00' ? '2020-01-01' : regdate} 12:00:00`,
  });

  // Outcome by the documented rule order.
  let skipReason: ServiceSkipReason | undefined;
  if (!isProxmox) skipReason = 'not-proxmox-product';
  else if (serverId === 3) skipReason = 'server-not-proxmox';
  else if (clientStatus === 'Closed') skipReason = 'client-closed';
  else if (clientStatus === 'Inactive') skipReason = 'client-inactive';
  else if (plan.status === 'Pending') skipReason = 'not-provisioned';
  else if (!live) skipReason = 'service-ended';
  else if (!hasVm) skipReason = 'missing-vmid';

  const entry: ManifestService = {
    id,
    clientId,
    productId: product.id,
    whmcsStatus: plan.status,
    outcome: skipReason ? 'skip' : 'migrate',
    cases: [],
  };
  if (skipReason) {
    entry.skipReason = skipReason;
  } else {
    const name = htmlDecodeOnce(plan.domain).trim() || `whmcs-${id}`;
    const legacy: Record<string, LegacyValue> = {
      productName: htmlDecodeOnce(product.name),
      billingCycle: cycle,
      recurringAmount: amount,
      regDate: dateOrNull(regdate),
      nextDueDate: dateOrNull(nextDue),
      dedicatedIp: dedicatedIp || null,
      assignedIps,
      rootPasswordCiphertext: rootCipher || null,
    };
    let line: Pick<ExpectedServer, 'cpuCores' | 'memoryMb' | 'diskGb' | 'image' | 'location' | 'node'>;
    if (product.line === 'cf-vmid') {
      legacy.extraIpv4 = (specs.get('extraIpv4') as boolean | undefined) ?? null;
      legacy.backups = (specs.get('backups') as string | undefined) ?? null;
      legacy.notes = htmlDecodeOnce(notes);
      const location = plan.location === '' ? null : plan.location;
      line = {
        cpuCores: specs.get('cpuCores') as number,
        memoryMb: specs.get('memoryMb') as number,
        diskGb: specs.get('diskGb') as number,
        image: splitKeyLabel(plan.imageValue).key,
        location,
        node: location ? LOCATIONS[location].node : SERVERS.find((x) => x.id === serverId)!.node!,
      };
    } else {
      const modulePlan = PLANS.find((p) => String(p.id) === product.configoptions[0])!;
      line = {
        cpuCores: modulePlan.cores,
        memoryMb: modulePlan.memoryMb,
        diskGb: modulePlan.diskGb,
        image: plan.kvmTemplate.image,
        location: null,
        node: pveNode.pveName,
      };
    }
    const expected: ExpectedServer = {
      name,
      ...line,
      vmid,
      status: plan.status === 'Active' ? 'active' : 'suspended',
      powerState: plan.status === 'Active' ? 'running' : 'stopped',
      ipAddress: dedicatedIp || null,
      legacy,
      warnings: [...warnings].sort(),
    };
    entry.expected = expected;
    g.manifestSink.vm({
      vmid,
      node: expected.node,
      name: /^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/.test(name) ? name : `whmcs-${id}`,
      cores: expected.cpuCores,
      memoryMb: expected.memoryMb,
      diskGb: expected.diskGb,
      status: expected.powerState,
      ...(expected.ipAddress ? { ipAddress: expected.ipAddress } : {}),
    });
  }
  if (
    product.line === 'cf-vmid' &&
    live &&
    !plan.messy.noOptionRows &&
    optionsForProduct(product.id).length > 0 &&
    !skipReason
  ) {
    cases.add('configurable-options-and-custom-fields');
  }
  entry.cases = [...cases];
  g.m.addService(entry);
  g.m.mark(entry.cases, 'serviceIds', id);
  g.m.mark(entry.cases, 'clientIds', clientId);
}
