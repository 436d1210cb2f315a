/**
 * The WHMCS rows the migrator works on, as source.ts reads them: the catalogue (products with their options and
 * fields, servers, the pvewhmcs module tables), clients with their owner login, and services.
 */
import type { FieldDef, OptionDef } from './rules-options.ts';

export interface Product {
  id: number;
  name: string;
  servertype: string;
  /** tblproducts.configoption1..24 (index 0 = configoption1). */
  moduleSettings: string[];
  options: OptionDef[];
  fields: FieldDef[];
}

export interface WhmcsServer {
  id: number;
  type: string;
  hostname: string;
}

export interface Catalogue {
  products: Map<number, Product>;
  servers: Map<number, WhmcsServer>;
  /** mod_pvewhmcs_plans by id. */
  modulePlans: Map<number, { cores: number; memoryMb: number; diskGb: number }>;
  /** mod_pvewhmcs_nodes.id → pve_name. */
  moduleNodes: Map<number, string>;
}

export interface ServiceRow {
  id: number;
  userid: number;
  packageid: number;
  server: number;
  regdate: string | null;
  domain: string | null;
  billingcycle: string | null;
  amount: string | null;
  nextduedate: string | null;
  domainstatus: string;
  dedicatedip: string | null;
  assignedips: string | null;
  clientStatus: string | null;
}

export interface ModuleVm {
  vmid: number;
  nodeId: number | null;
  ipaddress: string | null;
}

export interface ClientRow {
  id: number;
  status: string;
  email: string;
  password: string;
  firstname: string;
  lastname: string;
  companyname: string;
  address1: string;
  address2: string;
  city: string;
  state: string;
  postcode: string;
  country: string;
  phonenumber: string;
  taxId: string;
  currency: string | null;
  credit: string;
  taxExempt: boolean;
  separateInvoices: boolean;
  defaultGateway: string;
  language: string;
  groupId: number;
  notes: string;
  marketingOptIn: boolean;
  datecreated: string | null;
  /** The owner login (tblusers_clients.owner = 1, lowest user id), absent on pre-8 installs. */
  ownerUserId: number | null;
  ownerEmail: string | null;
  ownerPassword: string | null;
  ownerFirstName: string | null;
  ownerLastName: string | null;
}
