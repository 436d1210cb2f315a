/**
 * Emits accounts: each client (tblclients) with its owner login (tblusers, tblusers_clients) and the manifest's
 * expectations for both, then the client's services; and the one invited sub-user (owner = 0).
 */
import { GATEWAYS } from './catalogue.ts';
import { dateOrNull, htmlDecodeOnce, money, secondsToDateTime } from './format.ts';
import { emitService } from './emit-services.ts';
import { EPOCH_TODAY, uuidFrom, type Generation } from './generation.ts';
import type { ManifestClient, ManifestUser } from './manifest.ts';
import type { ClientPlan } from './plans.ts';
import type { Prng } from './prng.ts';

const CITIES = [
  ['Berlin', 'DE', '10115'],
  ['Amsterdam', 'NL', '1012'],
  ['Paris', 'FR', '75001'],
  ['London', 'GB', 'SW1A 1AA'],
  ['Tokyo', 'JP', '100-0001'],
] as const;

/** A client with its owner login (a new tblusers row, or the existing user it shares), then its services. */
export function emitClient(g: Generation, clientId: number, plan: ClientPlan, prng: Prng): void {
  const s = g.sink;
  let ownerUserId: number;
  let loginEmail: string;
  if ('existingUserId' in plan.owner) {
    ownerUserId = plan.owner.existingUserId;
    const user = g.m.openUser(ownerUserId);
    if (!user) throw new Error(`client ${clientId} refers to unknown or released user ${ownerUserId}`);
    loginEmail = user.email;
    user.accounts.push({ clientId, owner: true });
    g.m.mark(['user-owns-two-accounts'], 'userIds', ownerUserId);
  } else {
    ownerUserId = g.nextUserId++;
    const { hash, plaintext } =
      plan.owner.hash.shape === 'bcrypt' && clientId > 12
        ? g.pooledBcrypt(prng)
        : { hash: g.makeHash(plan.owner.hash), plaintext: plan.owner.hash.plaintext };
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
    g.m.addUser(user);
    g.m.mark(userCases, 'userIds', ownerUserId);
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
  g.lastRawClientEmail = plan.email;
  if (prng.chance(0.2)) {
    g.addFieldValue(26, clientId, `DE${prng.int(100000000, 999999999)}`);
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
  g.m.addClient(client);
  g.m.mark(client.cases, 'clientIds', clientId);
  for (const service of plan.services) emitService(g, clientId, plan.status, service, prng);
}

export function emitSubUser(g: Generation, namedCount: number): void {
  if (namedCount < 1) return;
  const id = g.nextUserId++;
  const plaintext = 'invited-helper-pw';
  const hash = g.makeHash({ shape: 'bcrypt', plaintext });
  g.sink.add('tblusers', {
    id,
    first_name: 'Ivy',
    last_name: 'Invited',
    email: 'ivy.helper@example.net',
    password: hash,
    created_at: '2023-02-01 08:00:00',
    updated_at: '2023-02-01 08:00:00',
    email_verified_at: '2023-02-01 08:05:00',
  });
  g.sink.add('tblusers_clients', {
    id: g.m.clients + 1,
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
  g.m.addUser(user);
  g.m.mark(user.cases, 'userIds', id);
  g.m.mark(['invited-sub-user'], 'clientIds', 1);
}
