/**
 * Plans: what a client and its services should look like, chosen by the named cases (cases.ts) or the bulk data
 * (bulk.ts), before the emitters turn them into WHMCS rows and the manifest's expectations.
 */
import { IMAGE_OPTIONS, KVM_TEMPLATES, type LocationKey } from './catalogue.ts';
import type { CaseName } from './cases.ts';
import type { HashPlan } from './generation.ts';
import type { WhmcsClientStatus, WhmcsServiceStatus } from './manifest.ts';

/** One client as a case or the bulk data wants it: what the emitters turn into rows and manifest entries. */
export interface ClientPlan {
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

export interface ServicePlan {
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

/** A service plan on the usual values (fra1, the first image and KVM template, nothing messy) unless `extra` says otherwise. */
export function servicePlan(
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
