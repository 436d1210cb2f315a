/**
 * The oracle a WHMCS → Keel migrator is tested against. Written by the seeder from WHMCS's documented rules
 * (whmcs-model.md) and the values it chose, never from migrator code. README.md lists the assumed rules.
 */

export type WhmcsClientStatus = 'Active' | 'Inactive' | 'Closed';
export type WhmcsServiceStatus =
  'Pending' | 'Active' | 'Suspended' | 'Terminated' | 'Cancelled' | 'Fraud' | 'Completed';
export type HashShapeName = 'bcrypt' | 'md5-salted' | 'hmac-sha256' | 'md5';

export type ClientSkipReason = 'client-closed' | 'client-inactive';
export type ServiceSkipReason =
  | 'not-proxmox-product'
  | 'server-not-proxmox'
  | 'not-provisioned'
  | 'service-ended'
  | 'missing-vmid'
  | 'client-closed'
  | 'client-inactive';

export type ExpectedWarning =
  | 'config-options-missing-defaults-applied'
  | 'duplicate-config-option-rows'
  | 'orphan-config-option-row'
  | 'custom-field-value-not-in-options'
  | 'duplicate-custom-field-values'
  | 'double-encoded-entity';

export interface ExpectedClient {
  /** tblclients.email, entity-decoded once, trimmed and lower-cased. */
  email: string;
  firstName: string;
  lastName: string;
  companyName: string;
  status: WhmcsClientStatus;
  currency: string;
  /** tblusers.id of the tblusers_clients row with owner = 1. */
  ownerUserId: number;
  /** The owner's tblusers.email, trimmed and lower-cased: the login that resolves to this account. */
  loginEmail: string;
  /** tblclients.datecreated, null for a zero date. */
  createdOn: string | null;
}

export interface ManifestClient {
  id: number;
  outcome: 'migrate' | 'skip';
  skipReason?: ClientSkipReason;
  expected: ExpectedClient;
  cases: string[];
}

export interface ManifestUser {
  id: number;
  /** tblusers.email trimmed and lower-cased. */
  email: string;
  passwordHash: string;
  hashShape: HashShapeName;
  /** The known plaintext the hash was made from. */
  plaintext: string;
  accounts: { clientId: number; owner: boolean }[];
  cases: string[];
}

export type LegacyValue = string | number | boolean | null | string[];

export interface ExpectedServer {
  /** tblhosting.domain decoded and trimmed; `whmcs-<service id>` when empty. */
  name: string;
  cpuCores: number;
  memoryMb: number;
  diskGb: number;
  /** Image key: OS_Image_Template key, or for pvewhmcs the template name of KVMTemplate `<vmid>|<name>`. */
  image: string;
  /** DataCenter_Location key; null when the service has none (pvewhmcs, or an empty value). */
  location: string | null;
  /** PVE node the VM lives on. */
  node: string;
  vmid: number;
  /** WHMCS domainstatus lower-cased. */
  status: 'active' | 'suspended';
  powerState: 'running' | 'stopped';
  ipAddress: string | null;
  /** WHMCS attributes Keel keeps as-is (decoded display text, raw ciphertexts). */
  legacy: Record<string, LegacyValue>;
  /** What a careful migrator should report for this record. */
  warnings: ExpectedWarning[];
}

export interface ManifestService {
  id: number;
  clientId: number;
  productId: number;
  whmcsStatus: WhmcsServiceStatus;
  outcome: 'migrate' | 'skip';
  skipReason?: ServiceSkipReason;
  expected?: ExpectedServer;
  cases: string[];
}

export interface ManifestCase {
  description: string;
  clientIds: number[];
  serviceIds: number[];
  userIds: number[];
  /** Catalogue rows exhibiting the case, by table name (tblproducts, tblproductconfigoptionssub, …). */
  catalogue: Record<string, number[]>;
}

export interface PveStateVm {
  vmid: number;
  node: string;
  name: string;
  cores: number;
  memoryMb: number;
  diskGb: number;
  status: 'running' | 'stopped';
  ipAddress?: string;
}

export interface PveState {
  vms: PveStateVm[];
}

export interface WhmcsManifest {
  formatVersion: 1;
  seed: number;
  scale: number;
  whmcsVersion: string;
  rules: string[];
  counts: Record<string, number>;
  clients: ManifestClient[];
  users: ManifestUser[];
  services: ManifestService[];
  cases: Record<string, ManifestCase>;
}

/** The manifest without its three big arrays: what is left in memory when the arrays are streamed to a file. */
export type WhmcsManifestHead = Omit<WhmcsManifest, 'clients' | 'users' | 'services'>;

/**
 * Receives manifest entries as the generator finalises them, in id order, so that a large manifest can go
 * straight to a file. A user arrives once its `accounts` can no longer grow.
 */
export interface ManifestSink {
  client(entry: ManifestClient): void;
  user(entry: ManifestUser): void;
  service(entry: ManifestService): void;
  /** One PVE simulator VM per migrating service. */
  vm(entry: PveStateVm): void;
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
