/**
 * The bulk data: random clients and services past the named cases, drawn from the bulk stream with WHMCS-like
 * proportions (products, statuses, hash shapes) and a small share of each messy case.
 */
import { IMAGE_OPTIONS, IMAGE_OUTSIDE_LIST, KVM_TEMPLATES, LOCATION_KEYS, productById } from './catalogue.ts';
import type { CaseName } from './cases.ts';
import { dayToDate, htmlEncode } from './format.ts';
import { TODAY, type Generation } from './generation.ts';
import type { HashShapeName, WhmcsClientStatus, WhmcsServiceStatus } from './manifest.ts';
import type { ClientPlan, ServicePlan } from './plans.ts';
import type { Prng } from './prng.ts';

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

/** A random client (the bulk past the named cases) from the bulk stream. */
export function bulkClient(g: Generation, prng: Prng, clientId: number): ClientPlan {
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
  const status: WhmcsClientStatus = statusRoll < 0.85 ? 'Active' : statusRoll < 0.95 ? 'Inactive' : 'Closed';
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
      hash: { shape, plaintext: `pw-${clientId}-${g.randomText(6, prng)}` },
    },
    cases,
    services: [],
  };
  // A share of bulk clients reuses the previous client's owner and email, as in the named case 5/6.
  if (clientId > 13 && prng.chance(0.005)) {
    const previous = g.m.lastClient;
    if (previous) {
      plan.owner = { existingUserId: previous.expected.ownerUserId };
      plan.email = g.lastRawClientEmail;
      plan.cases.push('shared-client-email', 'user-owns-two-accounts');
    }
  }
  if (prng.chance(0.03)) {
    plan.cases.push('domain-only-client');
    return plan;
  }
  const count = prng.int(1, 7);
  // Each service with a domain is named after the id it will get: this client's services are emitted next.
  const firstId = g.nextServiceId;
  let named = 0;
  const domain = () => `srv${firstId + named++}.example${firstId % 89}.net`;
  for (let i = 0; i < count; i++) plan.services.push(bulkService(prng, status, domain));
  return plan;
}

function bulkService(prng: Prng, clientStatus: WhmcsClientStatus, domain: () => string): ServicePlan {
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
  return {
    productId,
    status,
    domain: emptyDomain ? '' : domain(),
    location,
    imageValue,
    kvmTemplate: prng.pick(KVM_TEMPLATES),
    messy,
    cases,
  };
}
