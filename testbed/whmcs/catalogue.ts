/**
 * The fixed WHMCS catalogue the seeder installs: servers, product groups, products, configurable options and
 * custom fields. Pure data (no randomness) so ids are stable and the manifest can point at catalogue rows.
 * Stored names are as WHMCS stores them (HTML-escaped); `value` fields carry the meaning a sub-option was
 * created to express, so expectations never depend on parsing the messy labels.
 */

export type SpecAttr = 'memoryMb' | 'cpuCores' | 'diskGb' | 'extraIpv4' | 'backups';
export type OptionType = '1' | '2' | '3' | '4';

export interface SubOptionDef {
  id: number;
  name: string;
  sortorder: number;
  hidden: 0 | 1;
  /** Meaning of the choice: MB, cores, GB, or a backups key. Unit-only subs of yes/no and quantity have null. */
  value: number | string | null;
}

export interface ConfigOptionDef {
  id: number;
  gid: number;
  name: string;
  type: OptionType;
  qtyminimum: number;
  qtymaximum: number;
  order: number;
  hidden: 0 | 1;
  attr: SpecAttr;
  subs: SubOptionDef[];
  /** Quantities the generator orders for type '4' options. */
  qtyChoices?: number[];
}

export interface ConfigGroupDef {
  id: number;
  name: string;
  description: string;
  productIds: number[];
  options: ConfigOptionDef[];
}

export type FieldRole = 'image' | 'location' | 'vmid' | 'notes' | 'rootPassword' | 'kvmTemplate' | 'other';

export interface CustomFieldDef {
  id: number;
  type: 'product' | 'client';
  relid: number;
  fieldname: string;
  fieldtype: 'text' | 'link' | 'password' | 'dropdown' | 'tickbox' | 'textarea';
  description: string;
  fieldoptions: string;
  adminonly: 'on' | '';
  required: 'on' | '';
  showorder: 'on' | '';
  sortorder: number;
  role: FieldRole;
}

/** cf-vmid: VMID kept in a `VMID` product custom field; pvewhmcs: VMID kept in mod_pvewhmcs_vms. */
export type ProductLine = 'cf-vmid' | 'pvewhmcs' | 'shared';

export interface ProductDef {
  id: number;
  gid: number;
  type: 'server' | 'hostingaccount';
  name: string;
  description: string;
  servertype: string;
  servergroup: number;
  line: ProductLine;
  configoptions: string[];
  monthly: number;
  planId?: number;
  retired: 0 | 1;
  hidden: 0 | 1;
}

export interface ServerDef {
  id: number;
  name: string;
  ipaddress: string;
  hostname: string;
  type: string;
  port: number;
  groupId: number;
  /** PVE node a service on this server lands on when it has no location. */
  node: string | null;
}

export interface PlanDef {
  id: number;
  title: string;
  cores: number;
  memoryMb: number;
  diskGb: number;
}

/** Payment gateways of the install (tblclients.defaultgateway, tblhosting.paymentmethod). */
export const GATEWAYS = ['paypal', 'stripe', 'banktransfer'];

export const WHMCS_VERSION = '8.4.0-release.1';

/** DataCenter_Location keys → PVE node of the simulator (testbed/pve default nodes pve1, pve2). */
export const LOCATIONS = {
  fra1: { node: 'pve1', serverId: 1, label: 'Frankfurt &amp; Main' },
  ams1: { node: 'pve2', serverId: 2, label: 'Amsterdam' },
} as const;
export type LocationKey = keyof typeof LOCATIONS;
export const LOCATION_KEYS: readonly LocationKey[] = ['fra1', 'ams1'];

/** OS_Image_Template keys; the names of the simulator's cloud-init templates. */
export const IMAGE_KEYS = ['ubuntu-24.04-cloudinit', 'debian-12-cloudinit'] as const;
export const IMAGE_OPTIONS =
  'ubuntu-24.04-cloudinit|Ubuntu 24.04 LTS,debian-12-cloudinit|Debian 12 &quot;Bookworm&quot;';
/** A value some old orders carry although the dropdown no longer offers it. */
export const IMAGE_OUTSIDE_LIST = 'almalinux-9-cloudinit|AlmaLinux 9';

/** pvewhmcs KVMTemplate dropdown: `<template vmid>|<template name>` as the module README describes. */
export const KVM_TEMPLATES = [
  { value: '9000|ubuntu-24.04-cloudinit', image: 'ubuntu-24.04-cloudinit' },
  { value: '9001|debian-12-cloudinit', image: 'debian-12-cloudinit' },
] as const;

export const SERVERS: ServerDef[] = [
  {
    id: 1,
    name: 'PVE Frankfurt',
    ipaddress: '10.10.0.11',
    hostname: 'pve1.fra1.example.net',
    type: 'proxmoxVPS',
    port: 8006,
    groupId: 1,
    node: 'pve1',
  },
  {
    id: 2,
    name: 'PVE Amsterdam',
    ipaddress: '10.20.0.11',
    hostname: 'pve2.ams1.example.net',
    type: 'proxmoxVPS',
    port: 8006,
    groupId: 1,
    node: 'pve2',
  },
  {
    id: 3,
    name: 'cPanel Shared 01',
    ipaddress: '10.30.0.5',
    hostname: 'cpanel01.example.net',
    type: 'cpanel',
    port: 2087,
    groupId: 2,
    node: null,
  },
  {
    id: 4,
    name: 'PVE Cluster (pvewhmcs)',
    ipaddress: '10.10.0.10',
    hostname: 'pve.example.net',
    type: 'pvewhmcs',
    port: 8006,
    groupId: 3,
    node: null,
  },
];

export const SERVER_GROUPS = [
  { id: 1, name: 'Proxmox VPS', filltype: 1 },
  { id: 2, name: 'Shared Hosting', filltype: 1 },
  { id: 3, name: 'Proxmox (pvewhmcs)', filltype: 2 },
];

/** mod_pvewhmcs_nodes rows; mod_pvewhmcs_vms.node_id points here. */
export const PVEWHMCS_NODES = [
  { id: 1, pveName: 'pve1', ip: '10.10.0.11' },
  { id: 2, pveName: 'pve2', ip: '10.20.0.11' },
];

export const PLANS: PlanDef[] = [
  { id: 1, title: 'KVM-1G', cores: 1, memoryMb: 1024, diskGb: 25 },
  { id: 2, title: 'KVM-4G', cores: 2, memoryMb: 4096, diskGb: 60 },
];

export const PRODUCT_GROUPS = [
  { id: 1, name: 'Cloud VPS', slug: 'cloud-vps', headline: 'Fast NVMe cloud servers', order: 1 },
  { id: 2, name: 'Classic KVM &amp; Legacy', slug: 'classic-kvm', headline: null, order: 2 },
  { id: 3, name: 'Web Hosting', slug: 'web-hosting', headline: 'cPanel hosting', order: 3 },
];

const vpsSettings = (cores: number, memoryMb: number, diskGb: number): string[] => [
  String(cores),
  String(memoryMb),
  String(diskGb),
  'ubuntu-24.04-cloudinit',
  'vmbr0',
];

export const PRODUCTS: ProductDef[] = [
  {
    id: 1,
    gid: 1,
    type: 'server',
    name: 'VPS S',
    description: 'Entry cloud server',
    servertype: 'proxmoxVPS',
    servergroup: 1,
    line: 'cf-vmid',
    configoptions: vpsSettings(1, 2048, 40),
    monthly: 5,
    retired: 0,
    hidden: 0,
  },
  {
    id: 2,
    gid: 1,
    type: 'server',
    name: 'VPS M',
    description: 'Balanced cloud server',
    servertype: 'proxmoxVPS',
    servergroup: 1,
    line: 'cf-vmid',
    configoptions: vpsSettings(2, 4096, 80),
    monthly: 10,
    retired: 0,
    hidden: 0,
  },
  {
    id: 3,
    gid: 1,
    type: 'server',
    name: 'VPS L &amp; Power',
    description: 'Large &quot;power&quot; server',
    servertype: 'proxmoxVPS',
    servergroup: 1,
    line: 'cf-vmid',
    configoptions: vpsSettings(4, 8192, 160),
    monthly: 20,
    retired: 0,
    hidden: 0,
  },
  {
    id: 4,
    gid: 2,
    type: 'server',
    name: 'KVM Classic',
    description: 'Legacy KVM plan',
    servertype: 'pvewhmcs',
    servergroup: 3,
    line: 'pvewhmcs',
    configoptions: ['1', '1'],
    monthly: 4,
    planId: 1,
    retired: 0,
    hidden: 0,
  },
  {
    id: 5,
    gid: 2,
    type: 'server',
    name: 'KVM Classic Plus',
    description: 'Legacy KVM plan',
    servertype: 'pvewhmcs',
    servergroup: 3,
    line: 'pvewhmcs',
    configoptions: ['2', '1'],
    monthly: 9,
    planId: 2,
    retired: 1,
    hidden: 1,
  },
  {
    id: 6,
    gid: 3,
    type: 'hostingaccount',
    name: 'Shared Starter',
    description: '10 GB web space',
    servertype: 'cpanel',
    servergroup: 2,
    line: 'shared',
    configoptions: ['starter', '', '10240'],
    monthly: 3,
    retired: 0,
    hidden: 0,
  },
  {
    id: 7,
    gid: 1,
    type: 'server',
    name: 'VPS Flex',
    description: 'Pick your own size',
    servertype: 'proxmoxVPS',
    servergroup: 1,
    line: 'cf-vmid',
    configoptions: vpsSettings(1, 2048, 25),
    monthly: 7,
    retired: 0,
    hidden: 0,
  },
];

const sub = (
  id: number,
  name: string,
  sortorder: number,
  value: number | string | null,
  hidden: 0 | 1 = 0,
): SubOptionDef => ({
  id,
  name,
  sortorder,
  hidden,
  value,
});

/** An option as the admin area creates it: visible, quantity bounds 0 unless given. */
const option = (
  gid: number,
  id: number,
  order: number,
  name: string,
  type: OptionType,
  attr: SpecAttr,
  subs: SubOptionDef[],
  extra: Partial<Pick<ConfigOptionDef, 'qtyminimum' | 'qtymaximum' | 'hidden' | 'qtyChoices'>> = {},
): ConfigOptionDef => ({
  id,
  gid,
  name,
  type,
  qtyminimum: 0,
  qtymaximum: 0,
  order,
  hidden: 0,
  attr,
  subs,
  ...extra,
});

export const CONFIG_GROUPS: ConfigGroupDef[] = [
  {
    id: 1,
    name: 'VPS Options',
    description: 'key|Label options as module generators write them',
    productIds: [1, 2],
    options: [
      option(1, 1, 1, 'memory|Memory', '1', 'memoryMb', [
        sub(1, '2048|2 GB', 1, 2048),
        sub(2, '4096|4 GB', 2, 4096),
        sub(3, '8192|8 GB', 3, 8192),
        sub(4, '16384|16 GB', 4, 16384),
        sub(5, '1024|1 GB (retired)', 0, 1024, 1),
      ]),
      option(1, 2, 2, 'cpu|CPU Cores', '1', 'cpuCores', [
        sub(6, '1|1 vCPU', 1, 1),
        sub(7, '2|2 vCPU', 2, 2),
        sub(8, '4|4 vCPU', 3, 4),
        sub(9, '8|8 vCPU', 4, 8),
      ]),
      option(1, 3, 3, 'disk|Disk Space', '1', 'diskGb', [
        sub(10, '40|40 GB', 1, 40),
        sub(11, '80|80 GB', 2, 80),
        sub(12, '160|160 GB', 3, 160),
        sub(13, '320|320 GB', 4, 320),
      ]),
      option(1, 4, 4, 'extra_ipv4|Extra IPv4', '3', 'extraIpv4', [sub(14, '1 IP', 0, null)]),
      option(1, 5, 5, 'backups|Backups', '2', 'backups', [
        sub(15, 'none|No backups', 1, 'none'),
        sub(16, 'weekly|Weekly backups', 2, 'weekly'),
        sub(17, 'daily|Daily backups &amp; snapshots', 3, 'daily'),
      ]),
    ],
  },
  {
    id: 2,
    name: 'VPS L Options',
    description: 'unit variants, quantity CPU and disk',
    productIds: [3],
    options: [
      option(2, 6, 1, 'Memory', '1', 'memoryMb', [
        sub(18, '0.5 GB', 1, 512),
        sub(19, '2048', 2, 2048),
        sub(20, '4 GB', 3, 4096),
        sub(21, '8192MB', 4, 8192),
        sub(22, '16G', 5, 16384),
      ]),
      option(2, 7, 2, 'CPU Cores', '4', 'cpuCores', [sub(23, 'vCPU', 0, null)], {
        qtyminimum: 1,
        qtymaximum: 16,
        qtyChoices: [1, 2, 3, 4, 6, 8],
      }),
      option(2, 8, 3, 'Disk Space', '4', 'diskGb', [sub(24, 'GB', 0, null)], {
        qtyminimum: 20,
        qtymaximum: 2000,
        qtyChoices: [20, 50, 100, 250, 500],
      }),
      option(2, 9, 4, 'Extra IPv4', '3', 'extraIpv4', [sub(25, 'IPv4 Address', 0, null)]),
      option(2, 10, 5, 'Backups', '2', 'backups', [
        sub(26, 'None', 1, 'none'),
        sub(27, 'Weekly', 2, 'weekly'),
        sub(28, 'Daily', 3, 'daily'),
      ]),
    ],
  },
  {
    id: 3,
    name: 'VPS Flex Options',
    description: 'labels with units, no keys',
    productIds: [7],
    options: [
      option(3, 11, 1, 'Memory', '1', 'memoryMb', [
        sub(29, '2G', 1, 2048),
        sub(30, '4096MB', 2, 4096),
        sub(31, '4096', 3, 4096),
        sub(32, '8 GB', 4, 8192),
      ]),
      option(3, 12, 2, 'CPU Cores', '1', 'cpuCores', [
        sub(33, '1 vCPU', 1, 1),
        sub(34, '2 vCPU', 2, 2),
        sub(35, '4 vCPU', 3, 4),
      ]),
      option(3, 13, 3, 'Disk Space', '1', 'diskGb', [
        sub(36, '25 GB', 1, 25),
        sub(37, '50GB', 2, 50),
        sub(38, '100 GB', 3, 100),
      ]),
    ],
  },
];

/** Ids that tblhostingconfigoptions rows may reference although the option / sub-option was deleted. */
export const DELETED_OPTION_ID = 9001;
export const DELETED_SUB_ID = 9002;

function productFields(productId: number, firstId: number, keyed: boolean): CustomFieldDef[] {
  const base = {
    type: 'product' as const,
    relid: productId,
    description: '',
    regexpr: '',
    required: '' as const,
  };
  return [
    {
      ...base,
      id: firstId,
      fieldname: keyed ? 'OS_Image_Template|Operating System' : 'OS_Image_Template',
      fieldtype: 'dropdown',
      fieldoptions: IMAGE_OPTIONS,
      adminonly: '',
      required: 'on',
      showorder: 'on',
      sortorder: 1,
      role: 'image',
    },
    {
      ...base,
      id: firstId + 1,
      fieldname: keyed ? 'DataCenter_Location|Data Center' : 'DataCenter_Location',
      fieldtype: 'dropdown',
      fieldoptions: `fra1|${LOCATIONS.fra1.label},ams1|${LOCATIONS.ams1.label}`,
      adminonly: '',
      required: 'on',
      showorder: 'on',
      sortorder: 2,
      role: 'location',
    },
    {
      ...base,
      id: firstId + 2,
      fieldname: 'VMID',
      fieldtype: 'text',
      fieldoptions: '',
      adminonly: 'on',
      showorder: '',
      sortorder: 3,
      role: 'vmid',
    },
    {
      ...base,
      id: firstId + 3,
      fieldname: keyed ? 'notes|Provisioning Notes' : 'Notes',
      fieldtype: 'textarea',
      fieldoptions: '',
      adminonly: '',
      showorder: 'on',
      sortorder: 4,
      role: 'notes',
    },
    {
      ...base,
      id: firstId + 4,
      fieldname: keyed ? 'root_password|Root Password' : 'Root Password',
      fieldtype: 'password',
      fieldoptions: '',
      adminonly: '',
      showorder: 'on',
      sortorder: 5,
      role: 'rootPassword',
    },
  ];
}

export const CUSTOM_FIELDS: CustomFieldDef[] = [
  ...productFields(1, 1, true),
  ...productFields(2, 6, true),
  ...productFields(3, 11, false),
  ...productFields(7, 16, true),
  ...[4, 5].flatMap((pid, i): CustomFieldDef[] => [
    {
      id: 21 + i * 2,
      type: 'product',
      relid: pid,
      fieldname: 'KVMTemplate|Operating System',
      fieldtype: 'dropdown',
      description: '',
      fieldoptions: KVM_TEMPLATES.map((t) => t.value).join(','),
      adminonly: '',
      required: 'on',
      showorder: 'on',
      sortorder: 1,
      role: 'kvmTemplate',
    },
    {
      id: 22 + i * 2,
      type: 'product',
      relid: pid,
      fieldname: 'Password',
      fieldtype: 'password',
      description: 'Initial root password',
      fieldoptions: '',
      adminonly: '',
      required: '',
      showorder: 'on',
      sortorder: 2,
      role: 'rootPassword',
    },
  ]),
  {
    id: 25,
    type: 'product',
    relid: 6,
    fieldname: 'Domain Notes',
    fieldtype: 'text',
    description: '',
    fieldoptions: '',
    adminonly: '',
    required: '',
    showorder: 'on',
    sortorder: 1,
    role: 'other',
  },
  {
    id: 26,
    type: 'client',
    relid: 0,
    fieldname: 'vat_number|VAT Number',
    fieldtype: 'text',
    description: 'EU VAT ID',
    fieldoptions: '',
    adminonly: '',
    required: '',
    showorder: 'on',
    sortorder: 1,
    role: 'other',
  },
];

export function productById(id: number): ProductDef {
  const product = PRODUCTS.find((p) => p.id === id);
  if (!product) throw new Error(`no product ${id}`);
  return product;
}

export function optionsForProduct(productId: number): ConfigOptionDef[] {
  return CONFIG_GROUPS.filter((g) => g.productIds.includes(productId)).flatMap((g) => g.options);
}

export function fieldsForProduct(productId: number): CustomFieldDef[] {
  return CUSTOM_FIELDS.filter((f) => f.type === 'product' && f.relid === productId);
}

export function fieldByRole(productId: number, role: FieldRole): CustomFieldDef | undefined {
  return fieldsForProduct(productId).find((f) => f.role === role);
}

/**
 * WHMCS's value for an option with no tblhostingconfigoptions row (whmcs-model.md §4): dropdown/radio take the
 * first non-hidden sub-option by (sortorder, id); yes/no and quantity are 0 (off).
 */
export function defaultOptionValue(option: ConfigOptionDef): number | string | boolean {
  if (option.type === '3') return false;
  if (option.type === '4') return 0;
  const first = option.subs
    .filter((s) => s.hidden === 0)
    .sort((a, b) => a.sortorder - b.sortorder || a.id - b.id)[0];
  if (!first || first.value === null) throw new Error(`option ${option.id} has no visible sub-option`);
  return first.value;
}
