/**
 * Deterministic WHMCS data generator. Emits rows (table → column values) to a sink and builds the manifest
 * from the values it chose and WHMCS's documented rules. No I/O: the caller decides whether rows go to
 * MariaDB or to a .sql file.
 */
import {
  CONFIG_GROUPS,
  CUSTOM_FIELDS,
  DELETED_OPTION_ID,
  DELETED_SUB_ID,
  IMAGE_OPTIONS,
  IMAGE_OUTSIDE_LIST,
  KVM_TEMPLATES,
  LOCATIONS,
  LOCATION_KEYS,
  PLANS,
  PRODUCT_GROUPS,
  PRODUCTS,
  PVEWHMCS_NODES,
  SERVERS,
  SERVER_GROUPS,
  WHMCS_VERSION,
  defaultOptionValue,
  fieldByRole,
  optionsForProduct,
  productById,
  type ConfigOptionDef,
  type LocationKey,
  type ProductDef,
} from './catalogue.ts';
import {
  dayToDate,
  dateOrNull,
  htmlDecodeOnce,
  htmlEncode,
  money,
  secondsToDateTime,
  splitKeyLabel,
  type SqlValue,
} from './format.ts';
import { bcryptYHash, hmacSha256Hash, plainMd5Hash, saltedMd5Hash } from './hashes.ts';
import type {
  ExpectedServer,
  ExpectedWarning,
  HashShapeName,
  LegacyValue,
  ManifestCase,
  ManifestClient,
  ManifestService,
  ManifestSink,
  ManifestUser,
  PveState,
  PveStateVm,
  ServiceSkipReason,
  WhmcsClientStatus,
  WhmcsManifest,
  WhmcsManifestHead,
  WhmcsServiceStatus,
} from './manifest.ts';
import { createPrng, type Prng } from './prng.ts';

export type Row = Record<string, SqlValue>;

export interface RowSink {
  add(table: string, row: Row): void;
  /** true when buffered rows should be written out before generating more. */
  readonly wantsFlush: boolean;
}

export interface GenerateOptions {
  seed: number;
  /** Number of clients; the hand-written messy cases count towards it. */
  scale: number;
  /** Called whenever the sink asks to be flushed; lets a database writer apply back-pressure. */
  flush?: () => Promise<void>;
}

export interface GenerateResult {
  manifest: WhmcsManifest;
  pveState: PveState;
}

// Fixed "now" of the dataset so every date is reproducible.
const TODAY = 19875; // 2024-06-01
const EPOCH_TODAY = TODAY * 86400;

export const CASE_DESCRIPTIONS = {
  'html-entities':
    'Display text stored HTML-escaped (&amp;, &#039;, &quot;); expected values are decoded once.',
  'double-encoded-entity': 'Text encoded twice (&amp;amp;); decoding once leaves &amp;.',
  'email-capitals-trailing-space':
    'tblclients.email with capitals and trailing spaces; expected trimmed and lower-cased.',
  'shared-client-email': 'Two client accounts share one email (tblclients.email is not unique).',
  'user-owns-two-accounts': 'One tblusers login is owner (owner = 1) of two client accounts.',
  'invited-sub-user': 'A user linked with owner = 0, invite_id set and permissions, no account of their own.',
  'no-config-option-rows':
    'Service without tblhostingconfigoptions rows: first non-hidden sub by sortorder,id; yes/no and quantity off/0.',
  'duplicate-config-option-rows': 'Two rows for the same (relid, configid); the newest (highest id) wins.',
  'orphan-config-option-row':
    'A row pointing at a deleted option or deleted sub-option; ignored (deleted sub = no selection, default applies).',
  'yes-no-and-quantity-in-qty':
    'Yes/no and quantity options keep their value in qty, optionid is the single unit-named sub.',
  'key-label-names':
    'key|Label names on options, sub-options, custom fields and dropdown values; the key is matched.',
  'unit-variants': 'Sub-option labels like 0.5 GB, 2048, 4 GB, 8192MB, 16G, 4096MB, 2 vCPU, 50GB.',
  'custom-field-value-not-in-options':
    'Custom field value outside its dropdown list; kept as stored (its key).',
  'duplicate-custom-field-values':
    'Two tblcustomfieldsvalues rows for one (fieldid, relid); the newest (highest id) wins.',
  'empty-null-zero-dates':
    'Empty strings, NULL nextduedate and 0000-00-00 dates; expected as null / fallback.',
  'empty-domain-name-fallback': 'Empty tblhosting.domain; server name falls back to whmcs-<service id>.',
  'non-ascii-names': 'Zoë Ångström, 山田太郎, Ñandú and other non-ASCII names.',
  'hash-bcrypt': 'Password hash $2y$10$ (PHP password_hash).',
  'hash-md5-salted': 'Password hash md5(salt . password):salt (WHMCS 4.2.1–6.2).',
  'hash-hmac-sha256': 'Password hash hex(HMAC-SHA256(secret, password)):secret.',
  'hash-md5': 'Password hash plain md5 (very old).',
  'non-proxmox-server': 'A Proxmox product whose service sits on a cPanel server: skipped.',
  'same-name-custom-fields': 'Custom fields with the same name on several products (per-product field ids).',
  'shared-hosting-service': 'cPanel shared hosting service: not a server, skipped.',
  'domain-only-client':
    'A client without any service (domains only in WHMCS): migrates as an account, no server.',
  'vmid-in-custom-field': 'proxmoxVPS line: the VMID is the VMID custom field.',
  'vmid-in-module-table':
    'pvewhmcs line: the VMID is in mod_pvewhmcs_vms (id = service id), sizes from mod_pvewhmcs_plans.',
  'missing-vmid':
    'Active/Suspended Proxmox service whose VMID is empty or whose module row is missing: skipped.',
  'suspended-service': 'Suspended service: migrates suspended, VM stopped.',
  'ended-or-pending-service': 'Pending, Terminated, Cancelled, Completed or Fraud: not migrated as a server.',
  'closed-client': 'Closed client account: skipped with its (ended) services.',
  'inactive-client':
    'Inactive client account: skipped (client-inactive) with all its services; only Active accounts migrate.',
  'configurable-options-and-custom-fields': 'Active server with both configurable options and custom fields.',
} as const;
export type CaseName = keyof typeof CASE_DESCRIPTIONS;

type HashPlan = { shape: HashShapeName; plaintext: string };

interface ClientPlan {
  firstName: string;
  lastName: string;
  companyName: string;
  /** Raw tblclients.email. */
  email: string;
  status: WhmcsClientStatus;
  datecreated: string;
  currency: 1 | 2;
  /** Owner login: a new user (with this raw email and hash) or an existing user id. */
  owner: { userEmail: string; hash: HashPlan } | { existingUserId: number };
  cases: CaseName[];
  services: ServicePlan[];
}

interface ServicePlan {
  productId: number;
  status: WhmcsServiceStatus;
  /** Raw tblhosting.domain. */
  domain: string;
  location: LocationKey | '';
  /** Raw OS custom field value (cf-vmid line). */
  imageValue: string;
  kvmTemplate: (typeof KVM_TEMPLATES)[number];
  messy: {
    noOptionRows?: boolean;
    duplicateOptionRows?: boolean;
    orphanOptionRows?: boolean;
    duplicateCustomField?: boolean;
    emptyVmid?: boolean;
    nonProxmoxServer?: boolean;
    nullNextDue?: boolean;
    zeroRegdate?: boolean;
    doubleEncodedNotes?: boolean;
  };
  cases: CaseName[];
}

const FIRST_NAMES = [
  'Anna',
  'Ben',
  'Carla',
  'David',
  'Emma',
  'Felix',
  'Greta',
  'Hugo',
  'Ines',
  'Jonas',
  'Klara',
  'Liam',
  'Mia',
  'Noah',
  'Olivia',
  'Paul',
  'Rosa',
  'Sam',
  'Tara',
  'Umar',
];
const LAST_NAMES = [
  'Schmidt',
  'Müller',
  'Dupont',
  'Rossi',
  'García',
  'Novak',
  'Jensen',
  'Smith',
  'Kowalski',
  'Silva',
  'Nguyen',
  'Larsen',
  'Meyer',
  'Bauer',
  'Fischer',
];
const NON_ASCII_NAMES: [string, string][] = [
  ['Zoë', 'Ångström'],
  ['太郎', '山田'],
  ['Ñandú', 'Peña'],
  ['Søren', 'Kierkegård'],
  ['Łukasz', 'Żółć'],
];
const COMPANIES = [
  '',
  '',
  '',
  'Acme GmbH',
  'Blue Fin Ltd',
  'Nordlicht AG',
  'Data & Co',
  "O'Neil Hosting",
  'Café <Web>',
];
const CITIES = [
  ['Berlin', 'DE', '10115'],
  ['Amsterdam', 'NL', '1012'],
  ['Paris', 'FR', '75001'],
  ['London', 'GB', 'SW1A 1AA'],
  ['Tokyo', 'JP', '100-0001'],
] as const;
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
const GATEWAYS = ['paypal', 'stripe', 'banktransfer'];
const BCRYPT_POOL_SIZE = 16;

const TABLE_ORDER_NOTE =
  'Ids are explicit in every table so duplicates (newest wins = highest id) and manifest references are stable.';

export const RULES: string[] = [
  'Login: a client resolves to the tblusers row linked with tblusers_clients.owner = 1; its email (trimmed, lower-cased) is the login. tblclients.email/password are legacy.',
  'Two clients sharing an email are owned by the same user (tblusers.email is unique), so one login reaches both accounts.',
  'Emails: entity-decoded once, trimmed, lower-cased.',
  'Display text (names, company, labels, notes) is decoded once with html_entity_decode(ENT_QUOTES); hashes and ciphertexts are never decoded.',
  'Config option value: type 1/2 → the chosen sub (optionid), its key before | ; type 3 → qty > 0; type 4 → qty. Newest row (max id) wins per (relid, configid).',
  'Missing config option row: dropdown/radio → first non-hidden sub by sortorder, id; yes/no → off; quantity → 0.',
  'Rows pointing at a deleted option are ignored; a row pointing at a deleted sub counts as missing (default applies).',
  'Custom field value: newest tblcustomfieldsvalues row (max id) per (fieldid, relid); dropdown values use the key before |; values outside the list are kept.',
  'Server specs (cf-vmid line, module proxmoxVPS): cpuCores, memoryMb, diskGb from configurable options; image = OS_Image_Template key; location = DataCenter_Location key; VMID = VMID custom field.',
  'Server specs (pvewhmcs line): cores/memory/disk from mod_pvewhmcs_plans (tblproducts.configoption1 = plan id); image = template name of KVMTemplate `<vmid>|<name>`; VMID, node and IP from mod_pvewhmcs_vms; location null.',
  'Node: location fra1 → pve1, ams1 → pve2; with no location, the node of tblhosting.server (server 1 → pve1, 2 → pve2); pvewhmcs: mod_pvewhmcs_nodes.pve_name.',
  'Server name: tblhosting.domain decoded and trimmed; empty → whmcs-<service id>.',
  'A service migrates as a server when its product is a Proxmox product (servertype proxmoxVPS or pvewhmcs), its server is a Proxmox server, its status is Active or Suspended, its client is Active, and a VMID is known. Otherwise it is skipped with the first failing reason in that order: not-proxmox-product, server-not-proxmox, client-closed, client-inactive, not-provisioned (Pending) / service-ended (Terminated, Cancelled, Completed, Fraud), missing-vmid.',
  'Status: Active → active/running, Suspended → suspended/stopped.',
  'Only Active clients migrate: Closed → skip reason client-closed, Inactive → client-inactive (issue 6: "clients with status Active").',
  'Zero dates (0000-00-00) and NULL dates are null.',
  TABLE_ORDER_NOTE,
];

/**
 * Hands finished entries to the manifest sink and keeps only what the head needs: counts and the case index.
 * Users wait in `pendingUsers` while a later client may still join their account list.
 */
class Manifester {
  readonly cases = new Map<CaseName, ManifestCase>();
  clients = 0;
  clientsToMigrate = 0;
  users = 0;
  services = 0;
  servicesToMigrate = 0;
  lastClient: ManifestClient | undefined;
  private readonly pendingUsers = new Map<number, ManifestUser>();

  constructor(private readonly sink: ManifestSink) {}

  addClient(entry: ManifestClient): void {
    this.clients++;
    if (entry.outcome === 'migrate') this.clientsToMigrate++;
    this.lastClient = entry;
    this.sink.client(entry);
  }

  addService(entry: ManifestService): void {
    this.services++;
    if (entry.outcome === 'migrate') this.servicesToMigrate++;
    this.sink.service(entry);
  }

  addUser(entry: ManifestUser): void {
    this.users++;
    this.pendingUsers.set(entry.id, entry);
  }

  /** A user still open for more accounts; an already released one is a generator bug. */
  openUser(id: number): ManifestUser | undefined {
    return this.pendingUsers.get(id);
  }

  /** Sends every pending user to the sink (in id order: they were created in that order). */
  releaseUsers(): void {
    for (const user of this.pendingUsers.values()) this.sink.user(user);
    this.pendingUsers.clear();
  }

  caseOf(name: CaseName): ManifestCase {
    let entry = this.cases.get(name);
    if (!entry) {
      entry = {
        description: CASE_DESCRIPTIONS[name],
        clientIds: [],
        serviceIds: [],
        userIds: [],
        catalogue: {},
      };
      this.cases.set(name, entry);
    }
    return entry;
  }

  mark(names: readonly string[], kind: 'clientIds' | 'serviceIds' | 'userIds', id: number): void {
    for (const name of new Set(names)) this.caseOf(name as CaseName)[kind].push(id);
  }

  markCatalogue(name: CaseName, table: string, ids: number[]): void {
    const entry = this.caseOf(name);
    entry.catalogue[table] = [...(entry.catalogue[table] ?? []), ...ids];
  }
}

function uuidFrom(prng: Prng): string {
  const hex = Array.from({ length: 32 }, () => prng.int(0, 15).toString(16));
  hex[12] = '4';
  hex[16] = ((prng.int(0, 3) | 8) >>> 0).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Looks like WHMCS's reversible ciphertext (base64); it is random bytes, never meant to be decrypted here. */
function fakeCiphertext(prng: Prng): string {
  const bytes = Buffer.from(Array.from({ length: 12 + prng.int(0, 12) }, () => prng.int(0, 255)));
  return bytes.toString('base64');
}

function ipFor(serviceId: number): string {
  return `10.${100 + ((serviceId >> 16) & 127)}.${(serviceId >> 8) & 255}.${serviceId & 255}`;
}

function secondIpFor(serviceId: number): string {
  return `172.${16 + ((serviceId >> 16) & 15)}.${(serviceId >> 8) & 255}.${serviceId & 255}`;
}

function vmidFor(serviceId: number): number {
  return 10000 + serviceId;
}

export class WhmcsGenerator {
  private readonly prng: Prng;
  private readonly m: Manifester;
  private nextUserId = 1;
  private nextServiceId = 1;
  private nextConfigRowId = 1;
  private nextFieldValueId = 1;
  private readonly bcryptPool: { hash: string; plaintext: string }[] = [];

  constructor(
    private readonly opts: GenerateOptions,
    private readonly sink: RowSink,
    private readonly manifestSink: ManifestSink,
  ) {
    this.prng = createPrng(opts.seed);
    this.m = new Manifester(manifestSink);
  }

  async run(): Promise<WhmcsManifestHead> {
    this.emitCatalogue();
    const named = this.namedClients();
    const total = Math.max(this.opts.scale, named.length);
    const bulk = this.prng.fork('bulk');
    for (let clientId = 1; clientId <= total; clientId++) {
      const plan = clientId <= named.length ? named[clientId - 1]! : this.bulkClient(bulk, clientId);
      // Past the hand-written clients only the previous client's owner can be reused, so every user older
      // than a newly created one is final.
      if (clientId > named.length && !('existingUserId' in plan.owner)) this.m.releaseUsers();
      this.emitClient(clientId, plan, bulk);
      if (this.sink.wantsFlush && this.opts.flush) await this.opts.flush();
    }
    this.emitSubUser(named.length);
    this.m.releaseUsers();
    return {
      formatVersion: 1,
      seed: this.opts.seed,
      scale: this.opts.scale,
      whmcsVersion: WHMCS_VERSION,
      rules: RULES,
      counts: {
        clients: this.m.clients,
        users: this.m.users,
        services: this.m.services,
        servicesToMigrate: this.m.servicesToMigrate,
        clientsToMigrate: this.m.clientsToMigrate,
        configOptionRows: this.nextConfigRowId - 1,
        customFieldValues: this.nextFieldValueId - 1,
      },
      cases: Object.fromEntries([...this.m.cases.entries()].sort(([a], [b]) => a.localeCompare(b))),
    };
  }

  // ---------------------------------------------------------------- catalogue

  private emitCatalogue(): void {
    const s = this.sink;
    const stamp = '2020-01-15 10:00:00';
    s.add('tblconfiguration', {
      id: 1,
      setting: 'Version',
      value: WHMCS_VERSION,
      created_at: stamp,
      updated_at: stamp,
    });
    s.add('tblconfiguration', {
      id: 2,
      setting: 'CompanyName',
      value: 'Keel Testbed Hosting &amp; Co',
      created_at: stamp,
      updated_at: stamp,
    });
    s.add('tblconfiguration', {
      id: 3,
      setting: 'Charset',
      value: 'utf-8',
      created_at: stamp,
      updated_at: stamp,
    });
    s.add('tblconfiguration', {
      id: 4,
      setting: 'SystemURL',
      value: 'https://billing.example.net/',
      created_at: stamp,
      updated_at: stamp,
    });
    s.add('tblcurrencies', {
      id: 1,
      code: 'USD',
      prefix: '$',
      suffix: ' USD',
      format: 1,
      rate: '1.00000',
      default: 1,
    });
    s.add('tblcurrencies', {
      id: 2,
      code: 'EUR',
      prefix: '€',
      suffix: ' EUR',
      format: 3,
      rate: '0.92000',
      default: 0,
    });
    for (const g of SERVER_GROUPS) s.add('tblservergroups', g);
    for (const srv of SERVERS) {
      s.add('tblservers', {
        id: srv.id,
        name: srv.name,
        ipaddress: srv.ipaddress,
        hostname: srv.hostname,
        type: srv.type,
        username: srv.type === 'cpanel' ? 'root' : 'root@pam',
        password: fakeCiphertext(this.prng),
        accesshash: srv.type === 'cpanel' ? '' : `keel@pve!whmcs=${uuidFrom(this.prng)}`,
        secure: 'on',
        port: srv.port,
        active: 1,
        disabled: 0,
        maxaccounts: srv.type === 'cpanel' ? 500 : 0,
        assignedips: '',
        noc: '',
        statusaddress: '',
      });
      s.add('tblservergroupsrel', { id: srv.id, groupid: srv.groupId, serverid: srv.id });
    }
    for (const n of PVEWHMCS_NODES) {
      s.add('mod_pvewhmcs_nodes', {
        id: n.id,
        pve_id: n.id,
        pve_name: n.pveName,
        whmcs_id: 4,
        title: n.pveName.toUpperCase(),
        ip: n.ip,
        created: stamp,
      });
    }
    for (const p of PLANS) {
      s.add('mod_pvewhmcs_plans', {
        id: p.id,
        title: p.title,
        vmtype: 'kvm',
        ostype: 'l26',
        cpus: 1,
        cpuemu: 'host',
        cores: p.cores,
        cpulimit: 0,
        cpuunits: 1024,
        memory: p.memoryMb,
        swap: 0,
        disk: p.diskGb,
        diskformat: 'raw',
        diskcache: 'none',
        disktype: 'scsi',
        storage: 'local-lvm',
        diskio: '0',
        netmode: 'bridge',
        bridge: 'vmbr',
        vmbr: 0,
        netmodel: 'virtio',
        netrate: '0',
        firewall: 0,
        bw: 0,
        kvm: 1,
        onboot: 1,
        vlanid: null,
        ipv6: 'auto',
        balloon: '0',
        unpriv: 0,
        'ssh-keys': '',
      });
    }
    for (const g of PRODUCT_GROUPS) {
      s.add('tblproductgroups', {
        id: g.id,
        name: g.name,
        slug: g.slug,
        headline: g.headline,
        tagline: null,
        orderfrmtpl: '',
        disabledgateways: '',
        hidden: 0,
        order: g.order,
        created_at: stamp,
        updated_at: stamp,
      });
    }
    let pricingId = 1;
    for (const p of PRODUCTS) {
      const row: Row = {
        id: p.id,
        type: p.type,
        gid: p.gid,
        name: p.name,
        slug: splitKeyLabel(p.name)
          .key.toLowerCase()
          .replace(/[^a-z0-9]+/g, '-'),
        description: p.description,
        hidden: p.hidden,
        showdomainoptions: p.line === 'shared' ? 1 : 0,
        paytype: 'recurring',
        autosetup: 'payment',
        servertype: p.servertype,
        servergroup: p.servergroup,
        tax: 1,
        retired: p.retired,
        order: p.id,
        overagesenabled: '',
        billingcycleupgrade: '',
        affiliatepaytype: '',
        created_at: stamp,
        updated_at: stamp,
      };
      p.configoptions.forEach((value, i) => {
        row[`configoption${i + 1}`] = value;
      });
      s.add('tblproducts', row);
      for (const currency of [1, 2]) {
        const rate = currency === 1 ? 1 : 0.92;
        const m = p.monthly * rate;
        s.add('tblpricing', {
          id: pricingId++,
          type: 'product',
          currency,
          relid: p.id,
          msetupfee: '0.00',
          qsetupfee: '0.00',
          ssetupfee: '0.00',
          asetupfee: '0.00',
          bsetupfee: '0.00',
          tsetupfee: '0.00',
          monthly: money(m),
          quarterly: money(m * 3),
          semiannually: money(m * 6 * 0.97),
          annually: money(m * 12 * 0.9),
          biennially: p.line === 'pvewhmcs' ? '-1.00' : money(m * 24 * 0.85),
          triennially: '-1.00',
        });
      }
    }
    let linkId = 1;
    for (const g of CONFIG_GROUPS) {
      s.add('tblproductconfiggroups', { id: g.id, name: g.name, description: g.description });
      for (const pid of g.productIds) s.add('tblproductconfiglinks', { id: linkId++, gid: g.id, pid });
      for (const o of g.options) {
        s.add('tblproductconfigoptions', {
          id: o.id,
          gid: o.gid,
          optionname: o.name,
          optiontype: o.type,
          qtyminimum: o.qtyminimum,
          qtymaximum: o.qtymaximum,
          order: o.order,
          hidden: o.hidden,
        });
        for (const sub of o.subs) {
          s.add('tblproductconfigoptionssub', {
            id: sub.id,
            configid: o.id,
            optionname: sub.name,
            sortorder: sub.sortorder,
            hidden: sub.hidden,
          });
          for (const currency of [1, 2]) {
            const price =
              typeof sub.value === 'number'
                ? Math.max(0, Math.log2(Math.max(1, sub.value)) - 1)
                : sub.value === 'daily'
                  ? 4
                  : sub.value === 'weekly'
                    ? 2
                    : 1;
            s.add('tblpricing', {
              id: pricingId++,
              type: 'configoptions',
              currency,
              relid: sub.id,
              msetupfee: '0.00',
              qsetupfee: '0.00',
              ssetupfee: '0.00',
              asetupfee: '0.00',
              bsetupfee: '0.00',
              tsetupfee: '0.00',
              monthly: money(price),
              quarterly: money(price * 3),
              semiannually: money(price * 6),
              annually: money(price * 12),
              biennially: '-1.00',
              triennially: '-1.00',
            });
          }
        }
      }
    }
    for (const f of CUSTOM_FIELDS) {
      s.add('tblcustomfields', {
        id: f.id,
        type: f.type,
        relid: f.relid,
        fieldname: f.fieldname,
        fieldtype: f.fieldtype,
        description: f.description,
        fieldoptions: f.fieldoptions,
        regexpr: f.role === 'vmid' ? '/^[0-9]*$/' : '',
        adminonly: f.adminonly,
        required: f.required,
        showorder: f.showorder,
        showinvoice: '',
        sortorder: f.sortorder,
        created_at: stamp,
        updated_at: stamp,
      });
    }
    // Catalogue-level cases.
    this.m.markCatalogue('html-entities', 'tblproducts', [3]);
    this.m.markCatalogue('html-entities', 'tblproductgroups', [2]);
    this.m.markCatalogue('html-entities', 'tblproductconfigoptionssub', [17]);
    this.m.markCatalogue(
      'html-entities',
      'tblcustomfields',
      CUSTOM_FIELDS.filter((f) => f.fieldoptions.includes('&')).map((f) => f.id),
    );
    this.m.markCatalogue('key-label-names', 'tblproductconfigoptions', [1, 2, 3, 4, 5]);
    this.m.markCatalogue(
      'key-label-names',
      'tblproductconfigoptionssub',
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17],
    );
    this.m.markCatalogue(
      'key-label-names',
      'tblcustomfields',
      CUSTOM_FIELDS.filter((f) => f.fieldname.indexOf('|') > 0 || f.fieldoptions.includes('|')).map(
        (f) => f.id,
      ),
    );
    this.m.markCatalogue(
      'unit-variants',
      'tblproductconfigoptionssub',
      [18, 19, 20, 21, 22, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38],
    );
    this.m.markCatalogue('yes-no-and-quantity-in-qty', 'tblproductconfigoptions', [4, 7, 8, 9]);
    this.m.markCatalogue(
      'same-name-custom-fields',
      'tblcustomfields',
      CUSTOM_FIELDS.filter((f) => f.fieldname === 'VMID').map((f) => f.id),
    );
    this.m.markCatalogue(
      'vmid-in-custom-field',
      'tblproducts',
      PRODUCTS.filter((p) => p.line === 'cf-vmid').map((p) => p.id),
    );
    this.m.markCatalogue(
      'vmid-in-module-table',
      'tblproducts',
      PRODUCTS.filter((p) => p.line === 'pvewhmcs').map((p) => p.id),
    );
    this.m.markCatalogue('shared-hosting-service', 'tblproducts', [6]);
  }

  // ---------------------------------------------------------------- hashes

  private makeHash(plan: HashPlan): string {
    switch (plan.shape) {
      case 'bcrypt':
        return bcryptYHash(
          plan.plaintext,
          Array.from({ length: 16 }, () => this.prng.int(0, 255)),
        );
      case 'md5-salted':
        return saltedMd5Hash(plan.plaintext, this.randomText(5));
      case 'hmac-sha256':
        return hmacSha256Hash(plan.plaintext, this.randomText(10));
      case 'md5':
        return plainMd5Hash(plan.plaintext);
    }
  }

  private randomText(length: number, prng: Prng = this.prng): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[prng.int(0, alphabet.length - 1)];
    return out;
  }

  /** bcrypt at cost 10 takes ~70 ms in JS, so bulk users reuse a small pool of distinct hashes. */
  private pooledBcrypt(prng: Prng): { hash: string; plaintext: string } {
    if (this.bcryptPool.length === 0) {
      for (let i = 0; i < BCRYPT_POOL_SIZE; i++) {
        const plaintext = `Pool-Pass-${i}-${this.randomText(6)}`;
        this.bcryptPool.push({ plaintext, hash: this.makeHash({ shape: 'bcrypt', plaintext }) });
      }
    }
    return prng.pick(this.bcryptPool);
  }

  // ---------------------------------------------------------------- named cases

  private svc(
    productId: number,
    status: WhmcsServiceStatus,
    domain: string,
    extra: Partial<ServicePlan> = {},
  ): ServicePlan {
    return {
      productId,
      status,
      domain,
      location: 'fra1',
      imageValue: IMAGE_OPTIONS.split(',')[0]!,
      kvmTemplate: KVM_TEMPLATES[0],
      messy: {},
      cases: [],
      ...extra,
    };
  }

  private namedClients(): ClientPlan[] {
    const base = (
      first: string,
      last: string,
      email: string,
      shape: HashShapeName,
      plaintext: string,
      extra: Partial<ClientPlan> = {},
    ): ClientPlan => ({
      firstName: first,
      lastName: last,
      companyName: '',
      email,
      status: 'Active',
      datecreated: '2019-03-14',
      currency: 1,
      owner: { userEmail: email.trim(), hash: { shape, plaintext } },
      cases: [],
      services: [],
      ...extra,
    });
    const ams = { location: 'ams1' as const, imageValue: IMAGE_OPTIONS.split(',')[1]! };
    return [
      // 1: Zoë — capitals and trailing spaces in email, bcrypt, rich active servers.
      base('Zoë', 'Ångström', 'Zoe.Angstrom@Example.COM  ', 'bcrypt', 'correct horse battery staple', {
        cases: ['email-capitals-trailing-space', 'non-ascii-names', 'hash-bcrypt'],
        services: [
          this.svc(1, 'Active', 'zoe-web1.example.com', {
            cases: [
              'configurable-options-and-custom-fields',
              'key-label-names',
              'vmid-in-custom-field',
              'yes-no-and-quantity-in-qty',
            ],
          }),
          this.svc(2, 'Active', 'zoe-db1.example.com', {
            ...ams,
            cases: ['configurable-options-and-custom-fields', 'same-name-custom-fields'],
          }),
          this.svc(3, 'Suspended', 'zoe-big.example.com', {
            cases: ['suspended-service', 'unit-variants', 'yes-no-and-quantity-in-qty'],
          }),
        ],
      }),
      // 2: 山田太郎 — md5-salted hash, service without option rows, unit variants.
      base('太郎', '山田', 'taro.yamada@example.jp', 'md5-salted', 'パスワード123', {
        currency: 2,
        cases: ['non-ascii-names', 'hash-md5-salted'],
        services: [
          this.svc(1, 'Active', 'yamada.example.jp', {
            messy: { noOptionRows: true },
            cases: ['no-config-option-rows'],
          }),
          this.svc(7, 'Active', 'flex.yamada.example.jp', { ...ams, cases: ['unit-variants'] }),
        ],
      }),
      // 3: Ñandú — HMAC hash; duplicate and orphan option rows.
      base('Ñandú', 'Peña', 'nandu@example.es', 'hmac-sha256', 'ñandú-secret', {
        cases: ['non-ascii-names', 'hash-hmac-sha256'],
        services: [
          this.svc(2, 'Active', 'nandu-app.example.es', {
            messy: { duplicateOptionRows: true },
            cases: ['duplicate-config-option-rows'],
          }),
          this.svc(1, 'Active', 'nandu-ci.example.es', {
            messy: { orphanOptionRows: true },
            cases: ['orphan-config-option-row'],
          }),
        ],
      }),
      // 4: HTML entities in names, plain md5 hash; OS outside list; duplicate custom field values.
      base('Seán', 'O&#039;Brien', 'sean@obrien-sons.example', 'md5', 'letmein', {
        companyName: 'O&#039;Brien &amp; Sons',
        cases: ['html-entities', 'hash-md5', 'non-ascii-names'],
        services: [
          this.svc(1, 'Active', 'build.obrien-sons.example', {
            imageValue: IMAGE_OUTSIDE_LIST,
            cases: ['custom-field-value-not-in-options'],
          }),
          this.svc(2, 'Active', 'web.obrien-sons.example', {
            messy: { duplicateCustomField: true, doubleEncodedNotes: true },
            cases: ['duplicate-custom-field-values', 'double-encoded-entity'],
          }),
        ],
      }),
      // 5 and 6: two accounts, one email, one owner user.
      base('Max', 'Mustermann', 'max@shared.example', 'bcrypt', 'Mustermann!2020', {
        companyName: 'Mustermann IT',
        cases: ['shared-client-email', 'user-owns-two-accounts', 'hash-bcrypt'],
        services: [
          this.svc(2, 'Active', 'mm-prod.shared.example', {
            cases: ['configurable-options-and-custom-fields'],
          }),
        ],
      }),
      {
        ...base('Max', 'Mustermann', 'max@shared.example', 'bcrypt', 'unused'),
        companyName: 'Mustermann Privat',
        owner: { existingUserId: 5 },
        cases: ['shared-client-email', 'user-owns-two-accounts'],
        services: [this.svc(1, 'Active', 'mm-home.shared.example', { ...ams })],
      },
      // 7: empty / NULL / zero dates, empty domain.
      base('Null', 'Zero', 'null.zero@example.org', 'bcrypt', 'zero-dates-0000', {
        datecreated: '0000-00-00',
        cases: ['empty-null-zero-dates', 'hash-bcrypt'],
        services: [
          this.svc(1, 'Active', '', {
            messy: { nullNextDue: true, zeroRegdate: true },
            location: '',
            cases: ['empty-null-zero-dates', 'empty-domain-name-fallback'],
          }),
        ],
      }),
      // 8: the Proxmox product on a cPanel server, shared hosting, missing VMID.
      base('Paul', 'Server', 'paul@misplaced.example', 'md5-salted', 'misplaced', {
        cases: ['hash-md5-salted'],
        services: [
          this.svc(2, 'Active', 'wrong-server.misplaced.example', {
            messy: { nonProxmoxServer: true },
            cases: ['non-proxmox-server'],
          }),
          this.svc(6, 'Active', 'misplaced.example', { cases: ['shared-hosting-service'] }),
          this.svc(1, 'Active', 'novmid.misplaced.example', {
            messy: { emptyVmid: true },
            cases: ['missing-vmid'],
          }),
          this.svc(4, 'Active', 'kvm-lost.misplaced.example', {
            messy: { emptyVmid: true },
            cases: ['missing-vmid'],
          }),
        ],
      }),
      // 9: pvewhmcs line (VMID in module table).
      base('Greta', 'Legacy', 'greta@legacy-kvm.example', 'bcrypt', 'Greta#KVM', {
        cases: ['hash-bcrypt'],
        services: [
          this.svc(4, 'Active', 'kvm1.legacy-kvm.example', { cases: ['vmid-in-module-table'] }),
          this.svc(5, 'Suspended', 'kvm2.legacy-kvm.example', {
            kvmTemplate: KVM_TEMPLATES[1],
            cases: ['vmid-in-module-table', 'suspended-service'],
          }),
        ],
      }),
      // 10: every non-live service status.
      base('Hugo', 'History', 'hugo@history.example', 'bcrypt', 'Hugo-history', {
        status: 'Inactive',
        cases: ['inactive-client'],
        services: (['Pending', 'Terminated', 'Cancelled', 'Completed', 'Fraud'] as const).map((st) =>
          this.svc(1, st, `${st.toLowerCase()}.history.example`, { cases: ['ended-or-pending-service'] }),
        ),
      }),
      // 11: closed client.
      base('Clara', 'Closed', 'clara@closed.example', 'md5', 'closed-account', {
        status: 'Closed',
        cases: ['closed-client'],
        services: [this.svc(2, 'Terminated', 'old.closed.example', { cases: ['ended-or-pending-service'] })],
      }),
      // 12: domain-only client (no services).
      base('Dora', 'Domains', 'dora@domains-only.example', 'bcrypt', 'only-domains', {
        cases: ['domain-only-client'],
      }),
    ];
  }

  // ---------------------------------------------------------------- bulk

  private bulkClient(prng: Prng, clientId: number): ClientPlan {
    const cases: CaseName[] = [];
    let [first, last] = [prng.pick(FIRST_NAMES), prng.pick(LAST_NAMES)];
    if (prng.chance(0.02)) {
      [first, last] = prng.pick(NON_ASCII_NAMES);
      cases.push('non-ascii-names');
    }
    let companyName = htmlEncode(prng.pick(COMPANIES));
    if (companyName.includes('&')) cases.push('html-entities');
    if (prng.chance(0.003)) {
      companyName = 'Tom &amp;amp; Jerry Ltd';
      cases.push('double-encoded-entity');
    }
    const local =
      `${first}.${last}`
        .normalize('NFD')
        .replace(/[^A-Za-z.]/g, '')
        .toLowerCase() || 'client';
    let email = `${local}${clientId}@example${clientId % 97}.test`;
    if (prng.chance(0.01)) {
      email = `${email.toUpperCase()}  `;
      cases.push('email-capitals-trailing-space');
    }
    const roll = prng.next();
    const shape: HashShapeName =
      roll < 0.8 ? 'bcrypt' : roll < 0.9 ? 'md5-salted' : roll < 0.94 ? 'hmac-sha256' : 'md5';
    cases.push(`hash-${shape}` as CaseName);
    const statusRoll = prng.next();
    const status: WhmcsClientStatus =
      statusRoll < 0.85 ? 'Active' : statusRoll < 0.95 ? 'Inactive' : 'Closed';
    if (status === 'Closed') cases.push('closed-client');
    if (status === 'Inactive') cases.push('inactive-client');
    const zeroCreated = prng.chance(0.005);
    if (zeroCreated) cases.push('empty-null-zero-dates');
    const plan: ClientPlan = {
      firstName: htmlEncode(first),
      lastName: htmlEncode(last),
      companyName,
      email,
      status,
      datecreated: zeroCreated ? '0000-00-00' : dayToDate(TODAY - prng.int(30, 3500)),
      currency: prng.chance(0.3) ? 2 : 1,
      owner: {
        userEmail: email.trim(),
        hash: { shape, plaintext: `pw-${clientId}-${this.randomText(6, prng)}` },
      },
      cases,
      services: [],
    };
    // A share of bulk clients reuses the previous client's owner and email, as in the named case 5/6.
    if (clientId > 13 && prng.chance(0.005)) {
      const previous = this.m.lastClient;
      if (previous) {
        plan.owner = { existingUserId: previous.expected.ownerUserId };
        plan.email = this.lastRawClientEmail;
        plan.cases.push('shared-client-email', 'user-owns-two-accounts');
      }
    }
    if (prng.chance(0.03)) {
      plan.cases.push('domain-only-client');
      return plan;
    }
    const count = prng.int(1, 7);
    for (let i = 0; i < count; i++) plan.services.push(this.bulkService(prng, status));
    return plan;
  }

  private lastRawClientEmail = '';

  private bulkService(prng: Prng, clientStatus: WhmcsClientStatus): ServicePlan {
    const pr = prng.next();
    const productId =
      pr < 0.25 ? 1 : pr < 0.45 ? 2 : pr < 0.55 ? 3 : pr < 0.65 ? 7 : pr < 0.75 ? 4 : pr < 0.8 ? 5 : 6;
    const sr = prng.next();
    let status: WhmcsServiceStatus =
      sr < 0.6
        ? 'Active'
        : sr < 0.68
          ? 'Suspended'
          : sr < 0.73
            ? 'Pending'
            : sr < 0.85
              ? 'Terminated'
              : sr < 0.93
                ? 'Cancelled'
                : sr < 0.97
                  ? 'Completed'
                  : 'Fraud';
    if (clientStatus === 'Closed') status = prng.chance(0.5) ? 'Terminated' : 'Cancelled';
    const location = prng.pick(LOCATION_KEYS);
    const cases: CaseName[] = [];
    const messy: ServicePlan['messy'] = {};
    const line = productById(productId).line;
    let imageValue = IMAGE_OPTIONS.split(',')[prng.int(0, 1)]!;
    if (line === 'cf-vmid') {
      cases.push('vmid-in-custom-field');
      if (productId !== 3 && prng.chance(0.02)) {
        messy.noOptionRows = true;
        cases.push('no-config-option-rows');
      } else if (prng.chance(0.01)) {
        messy.duplicateOptionRows = true;
        cases.push('duplicate-config-option-rows');
      }
      if (prng.chance(0.005)) {
        messy.orphanOptionRows = true;
        cases.push('orphan-config-option-row');
      }
      if (prng.chance(0.005)) {
        imageValue = IMAGE_OUTSIDE_LIST;
        cases.push('custom-field-value-not-in-options');
      }
      if (prng.chance(0.005)) {
        messy.duplicateCustomField = true;
        cases.push('duplicate-custom-field-values');
      }
      if (prng.chance(0.002)) {
        messy.nonProxmoxServer = true;
        cases.push('non-proxmox-server');
      }
      if (productId === 3 || productId === 7) cases.push('unit-variants');
      if (productId === 1 || productId === 2) cases.push('key-label-names');
      if (productId !== 7) cases.push('yes-no-and-quantity-in-qty');
    }
    if (line === 'pvewhmcs') cases.push('vmid-in-module-table');
    if (line === 'shared') cases.push('shared-hosting-service');
    if (line !== 'shared' && (status === 'Active' || status === 'Suspended') && prng.chance(0.003)) {
      messy.emptyVmid = true;
      cases.push('missing-vmid');
    }
    if (status === 'Suspended') cases.push('suspended-service');
    if (!['Active', 'Suspended'].includes(status)) cases.push('ended-or-pending-service');
    const emptyDomain = prng.chance(0.01);
    if (emptyDomain) cases.push('empty-domain-name-fallback');
    if (prng.chance(0.01)) {
      messy.nullNextDue = true;
      cases.push('empty-null-zero-dates');
    }
    const id = this.nextServiceId; // domain uses the id it will get
    return {
      productId,
      status,
      domain: emptyDomain ? '' : `srv${id + this.pendingServiceOffset++}.example${id % 89}.net`,
      location,
      imageValue,
      kvmTemplate: prng.pick(KVM_TEMPLATES),
      messy,
      cases,
    };
  }

  private pendingServiceOffset = 0;

  // ---------------------------------------------------------------- emit client

  private emitClient(clientId: number, plan: ClientPlan, prng: Prng): void {
    this.pendingServiceOffset = 0;
    const s = this.sink;
    let ownerUserId: number;
    let loginEmail: string;
    if ('existingUserId' in plan.owner) {
      ownerUserId = plan.owner.existingUserId;
      const user = this.m.openUser(ownerUserId);
      if (!user) throw new Error(`client ${clientId} refers to unknown or released user ${ownerUserId}`);
      loginEmail = user.email;
      user.accounts.push({ clientId, owner: true });
      this.m.mark(['user-owns-two-accounts'], 'userIds', ownerUserId);
    } else {
      ownerUserId = this.nextUserId++;
      const { hash, plaintext } =
        plan.owner.hash.shape === 'bcrypt' && clientId > 12
          ? this.pooledBcrypt(prng)
          : { hash: this.makeHash(plan.owner.hash), plaintext: plan.owner.hash.plaintext };
      loginEmail = htmlDecodeOnce(plan.owner.userEmail).trim().toLowerCase();
      const createdSeconds = EPOCH_TODAY - prng.int(86400, 86400 * 1500);
      s.add('tblusers', {
        id: ownerUserId,
        first_name: plan.firstName,
        last_name: plan.lastName,
        email: plan.owner.userEmail,
        password: hash,
        language: '',
        second_factor: '',
        second_factor_config: null,
        remember_token: '',
        reset_token: '',
        last_ip: `192.0.2.${clientId % 250}`,
        last_hostname: '',
        last_login: prng.chance(0.2) ? null : secondsToDateTime(EPOCH_TODAY - prng.int(0, 86400 * 300)),
        email_verified_at: prng.chance(0.5) ? secondsToDateTime(createdSeconds + 600) : null,
        created_at: secondsToDateTime(createdSeconds),
        updated_at: secondsToDateTime(createdSeconds + 3600),
      });
      const userCases = plan.cases.filter(
        (c) => c.startsWith('hash-') || c === 'email-capitals-trailing-space' || c === 'non-ascii-names',
      );
      const user: ManifestUser = {
        id: ownerUserId,
        email: loginEmail,
        passwordHash: hash,
        hashShape: plan.owner.hash.shape,
        plaintext,
        accounts: [{ clientId, owner: true }],
        cases: userCases,
      };
      this.m.addUser(user);
      this.m.mark(userCases, 'userIds', ownerUserId);
    }
    s.add('tblusers_clients', {
      id: clientId,
      auth_user_id: ownerUserId,
      client_id: clientId,
      invite_id: 0,
      owner: 1,
      permissions: null,
      last_login: null,
      created_at: '2020-11-01 12:00:00',
      updated_at: '2020-11-01 12:00:00',
    });
    const city = prng.pick(CITIES);
    const createdAt =
      plan.datecreated === '0000-00-00' ? '0000-00-00 00:00:00' : `${plan.datecreated} 09:30:00`;
    s.add('tblclients', {
      id: clientId,
      uuid: uuidFrom(prng),
      firstname: plan.firstName,
      lastname: plan.lastName,
      companyname: plan.companyName,
      email: plan.email,
      address1: `${prng.int(1, 200)} Main Street`,
      address2: '',
      city: city[0],
      state: '',
      postcode: city[2],
      country: city[1],
      phonenumber: `+49.30${prng.int(1000000, 9999999)}`,
      tax_id: '',
      password: '',
      authmodule: '',
      authdata: '',
      currency: plan.currency,
      defaultgateway: prng.pick(GATEWAYS),
      credit: money(prng.chance(0.1) ? prng.int(1, 5000) / 100 : 0),
      taxexempt: 0,
      latefeeoveride: 0,
      overideduenotices: 0,
      separateinvoices: 0,
      disableautocc: 0,
      datecreated: plan.datecreated,
      notes: '',
      billingcid: 0,
      securityqid: 0,
      securityqans: '',
      groupid: 0,
      cardtype: '',
      cardlastfour: '',
      lastlogin: prng.chance(0.3) ? null : secondsToDateTime(EPOCH_TODAY - prng.int(0, 86400 * 300)),
      ip: '',
      host: '',
      status: plan.status,
      language: '',
      pwresetkey: '',
      emailoptout: 0,
      marketing_emails_opt_in: prng.chance(0.3) ? 1 : 0,
      overrideautoclose: 0,
      allow_sso: 1,
      email_verified: 0,
      email_preferences: prng.chance(0.5)
        ? null
        : '{"general":1,"invoice":1,"support":1,"product":1,"domain":1,"affiliate":1}',
      created_at: createdAt,
      updated_at: createdAt,
      pwresetexpiry: '0000-00-00 00:00:00',
    });
    this.lastRawClientEmail = plan.email;
    if (prng.chance(0.2)) {
      this.addFieldValue(26, clientId, `DE${prng.int(100000000, 999999999)}`);
    }
    const client: ManifestClient = {
      id: clientId,
      outcome: plan.status === 'Active' ? 'migrate' : 'skip',
      ...(plan.status === 'Closed'
        ? { skipReason: 'client-closed' as const }
        : plan.status === 'Inactive'
          ? { skipReason: 'client-inactive' as const }
          : {}),
      expected: {
        email: htmlDecodeOnce(plan.email).trim().toLowerCase(),
        firstName: htmlDecodeOnce(plan.firstName),
        lastName: htmlDecodeOnce(plan.lastName),
        companyName: htmlDecodeOnce(plan.companyName),
        status: plan.status,
        currency: plan.currency === 1 ? 'USD' : 'EUR',
        ownerUserId,
        loginEmail,
        createdOn: dateOrNull(plan.datecreated),
      },
      cases: [...new Set(plan.cases)],
    };
    this.m.addClient(client);
    this.m.mark(client.cases, 'clientIds', clientId);
    for (const service of plan.services) this.emitService(clientId, plan.status, service, prng);
  }

  /** The invited sub-user: access to client 1 without owning it. */
  private emitSubUser(namedCount: number): void {
    if (namedCount < 1) return;
    const id = this.nextUserId++;
    const plaintext = 'invited-helper-pw';
    const hash = this.makeHash({ shape: 'bcrypt', plaintext });
    this.sink.add('tblusers', {
      id,
      first_name: 'Ivy',
      last_name: 'Invited',
      email: 'ivy.helper@example.net',
      password: hash,
      created_at: '2023-02-01 08:00:00',
      updated_at: '2023-02-01 08:00:00',
      email_verified_at: '2023-02-01 08:05:00',
    });
    this.sink.add('tblusers_clients', {
      id: this.m.clients + 1,
      auth_user_id: id,
      client_id: 1,
      invite_id: 1,
      owner: 0,
      permissions:
        'profile,contacts,products,manageproducts,productsso,domains,managedomains,invoices,tickets,orders',
      created_at: '2023-02-01 08:05:00',
      updated_at: '2023-02-01 08:05:00',
    });
    const user: ManifestUser = {
      id,
      email: 'ivy.helper@example.net',
      passwordHash: hash,
      hashShape: 'bcrypt',
      plaintext,
      accounts: [{ clientId: 1, owner: false }],
      cases: ['invited-sub-user', 'hash-bcrypt'],
    };
    this.m.addUser(user);
    this.m.mark(user.cases, 'userIds', id);
    this.m.mark(['invited-sub-user'], 'clientIds', 1);
  }

  // ---------------------------------------------------------------- emit service

  private addFieldValue(fieldid: number, relid: number, value: string): number {
    const id = this.nextFieldValueId++;
    this.sink.add('tblcustomfieldsvalues', {
      id,
      fieldid,
      relid,
      value,
      created_at: '2021-05-05 10:00:00',
      updated_at: '2021-05-05 10:00:00',
    });
    return id;
  }

  private addOptionRow(relid: number, configid: number, optionid: number, qty: number): void {
    this.sink.add('tblhostingconfigoptions', { id: this.nextConfigRowId++, relid, configid, optionid, qty });
  }

  private chooseOptions(
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
        this.addOptionRow(serviceId, o.id, older.id, 0);
        warnings.add('duplicate-config-option-rows');
      }
      if (messy.orphanOptionRows && o.attr === 'backups') {
        // The chosen backups sub-option was deleted later: no valid selection, so WHMCS's default applies.
        this.addOptionRow(serviceId, o.id, DELETED_SUB_ID, 0);
        values.set(o.attr, defaultOptionValue(o));
        warnings.add('orphan-config-option-row');
        continue;
      }
      this.addOptionRow(serviceId, o.id, optionid, qty);
      values.set(o.attr, value);
    }
    if (messy.noOptionRows) warnings.add('config-options-missing-defaults-applied');
    if (messy.orphanOptionRows) {
      this.addOptionRow(serviceId, DELETED_OPTION_ID, DELETED_SUB_ID + 1, 1);
      warnings.add('orphan-config-option-row');
    }
    return values;
  }

  private emitService(
    clientId: number,
    clientStatus: WhmcsClientStatus,
    plan: ServicePlan,
    prng: Prng,
  ): void {
    const id = this.nextServiceId++;
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
      specs = this.chooseOptions(prng, id, optionsForProduct(product.id), plan.messy, warnings);
      const f = (role: Parameters<typeof fieldByRole>[1]) => fieldByRole(product.id, role)!.id;
      if (plan.messy.duplicateCustomField) {
        const other =
          plan.imageValue === IMAGE_OPTIONS.split(',')[0]
            ? IMAGE_OPTIONS.split(',')[1]!
            : IMAGE_OPTIONS.split(',')[0]!;
        this.addFieldValue(f('image'), id, other);
        warnings.add('duplicate-custom-field-values');
      }
      this.addFieldValue(f('image'), id, plan.imageValue);
      if (plan.imageValue === IMAGE_OUTSIDE_LIST) warnings.add('custom-field-value-not-in-options');
      this.addFieldValue(
        f('location'),
        id,
        plan.location === '' ? '' : `${plan.location}|${LOCATIONS[plan.location].label}`,
      );
      this.addFieldValue(
        f('vmid'),
        id,
        plan.status === 'Pending' || plan.messy.emptyVmid ? '' : String(vmid),
      );
      notes = plan.messy.doubleEncodedNotes
        ? 'Customer &amp;amp; partner share root access'
        : prng.chance(0.3)
          ? htmlEncode(`Ticket #${prng.int(1000, 9999)}: "rescue" boot done`)
          : '';
      if (plan.messy.doubleEncodedNotes) warnings.add('double-encoded-entity');
      this.addFieldValue(f('notes'), id, notes);
      rootCipher = plan.status === 'Pending' ? '' : fakeCiphertext(prng);
      this.addFieldValue(f('rootPassword'), id, rootCipher);
    } else if (product.line === 'pvewhmcs') {
      const f = (role: Parameters<typeof fieldByRole>[1]) => fieldByRole(product.id, role)!.id;
      this.addFieldValue(f('kvmTemplate'), id, plan.kvmTemplate.value);
      rootCipher = fakeCiphertext(prng);
      this.addFieldValue(f('rootPassword'), id, rootCipher);
    } else {
      this.addFieldValue(25, id, prng.chance(0.5) ? '' : 'Migrated from old panel');
    }
    const pveNode = PVEWHMCS_NODES[id % PVEWHMCS_NODES.length]!;
    if (product.line === 'pvewhmcs' && hasVm) {
      this.sink.add('mod_pvewhmcs_vms', {
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
    this.sink.add('tblhosting', {
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
      subscriptionid: prng.chance(0.2) ? `sub_${this.randomText(14, prng)}` : '',
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
      let expected: ExpectedServer;
      if (product.line === 'cf-vmid') {
        legacy.extraIpv4 = (specs.get('extraIpv4') as boolean | undefined) ?? null;
        legacy.backups = (specs.get('backups') as string | undefined) ?? null;
        legacy.notes = htmlDecodeOnce(notes);
        const location = plan.location === '' ? null : plan.location;
        expected = {
          name,
          cpuCores: specs.get('cpuCores') as number,
          memoryMb: specs.get('memoryMb') as number,
          diskGb: specs.get('diskGb') as number,
          image: splitKeyLabel(plan.imageValue).key,
          location,
          node: location ? LOCATIONS[location].node : SERVERS.find((x) => x.id === serverId)!.node!,
          vmid,
          status: plan.status === 'Active' ? 'active' : 'suspended',
          powerState: plan.status === 'Active' ? 'running' : 'stopped',
          ipAddress: dedicatedIp || null,
          legacy,
          warnings: [...warnings].sort(),
        };
      } else {
        const plan_ = PLANS.find((p) => String(p.id) === product.configoptions[0])!;
        expected = {
          name,
          cpuCores: plan_.cores,
          memoryMb: plan_.memoryMb,
          diskGb: plan_.diskGb,
          image: plan.kvmTemplate.image,
          location: null,
          node: pveNode.pveName,
          vmid,
          status: plan.status === 'Active' ? 'active' : 'suspended',
          powerState: plan.status === 'Active' ? 'running' : 'stopped',
          ipAddress: dedicatedIp || null,
          legacy,
          warnings: [...warnings].sort(),
        };
      }
      entry.expected = expected;
      this.manifestSink.vm({
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
    this.m.addService(entry);
    this.m.mark(entry.cases, 'serviceIds', id);
    this.m.mark(entry.cases, 'clientIds', clientId);
  }
}

/**
 * Generates the rows into `sink` and hands manifest entries to `manifestSink` as they are finished; returns
 * the rest of the manifest. Memory stays bounded by the case index (a few ids per service), not the entries.
 */
export async function generateWhmcsStreaming(
  opts: GenerateOptions,
  sink: RowSink,
  manifestSink: ManifestSink,
): Promise<WhmcsManifestHead> {
  if (!Number.isInteger(opts.seed) || opts.seed < 0)
    throw new RangeError('seed must be a non-negative integer');
  if (!Number.isInteger(opts.scale) || opts.scale < 0)
    throw new RangeError('scale must be a non-negative integer');
  return new WhmcsGenerator(opts, sink, manifestSink).run();
}

/** Collects the whole manifest and PVE state in memory (fine for test scales, not for --scale 250000). */
export class ManifestCollector implements ManifestSink {
  readonly clients: ManifestClient[] = [];
  readonly users: ManifestUser[] = [];
  readonly services: ManifestService[] = [];
  readonly pveState: PveState = { vms: [] };

  client(entry: ManifestClient): void {
    this.clients.push(entry);
  }
  user(entry: ManifestUser): void {
    this.users.push(entry);
  }
  service(entry: ManifestService): void {
    this.services.push(entry);
  }
  vm(entry: PveStateVm): void {
    this.pveState.vms.push(entry);
  }

  /** The full manifest, keys in the order the manifest file has always had. */
  manifest(head: WhmcsManifestHead): WhmcsManifest {
    const { cases, ...rest } = head;
    return { ...rest, clients: this.clients, users: this.users, services: this.services, cases };
  }
}

export async function generateWhmcs(opts: GenerateOptions, sink: RowSink): Promise<GenerateResult> {
  const collector = new ManifestCollector();
  const head = await generateWhmcsStreaming(opts, sink, collector);
  return { manifest: collector.manifest(head), pveState: collector.pveState };
}
