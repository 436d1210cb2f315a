/**
 * Builds the manifest as the generator emits: hands each finished entry to a ManifestSink (the file writer in
 * output-files.ts, or the in-memory ManifestCollector) and keeps only the head: counts, the rules it was written
 * by, the case index.
 */
import { CASE_DESCRIPTIONS, type CaseName } from './cases.ts';
import type {
  ManifestCase,
  ManifestClient,
  ManifestService,
  ManifestSink,
  ManifestUser,
} from './manifest.ts';

const TABLE_ORDER_NOTE =
  'Ids are explicit in every table so duplicates (newest wins = highest id) and manifest references are stable.';

/** The rules the manifest was written by, as its head lists them. */
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
export class Manifester {
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
