/**
 * The named cases: every messy shape of WHMCS data the testbed reproduces, described once (the manifest's case
 * index carries the descriptions), and the hand-written clients that show each of them.
 */
import { IMAGE_OPTIONS, IMAGE_OUTSIDE_LIST, KVM_TEMPLATES } from './catalogue.ts';
import type { HashShapeName } from './manifest.ts';
import { servicePlan, type ClientPlan } from './plans.ts';

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

/**
 * The hand-written clients, ids 1–12 in this order, each showing the cases it names (bulk clients follow them).
 * Data only: no randomness, so every seed starts with the same twelve.
 */
export function namedClients(): ClientPlan[] {
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
        servicePlan(1, 'Active', 'zoe-web1.example.com', {
          cases: [
            'configurable-options-and-custom-fields',
            'key-label-names',
            'vmid-in-custom-field',
            'yes-no-and-quantity-in-qty',
          ],
        }),
        servicePlan(2, 'Active', 'zoe-db1.example.com', {
          ...ams,
          cases: ['configurable-options-and-custom-fields', 'same-name-custom-fields'],
        }),
        servicePlan(3, 'Suspended', 'zoe-big.example.com', {
          cases: ['suspended-service', 'unit-variants', 'yes-no-and-quantity-in-qty'],
        }),
      ],
    }),
    // 2: 山田太郎 — md5-salted hash, service without option rows, unit variants.
    base('太郎', '山田', 'taro.yamada@example.jp', 'md5-salted', 'パスワード123', {
      currency: 2,
      cases: ['non-ascii-names', 'hash-md5-salted'],
      services: [
        servicePlan(1, 'Active', 'yamada.example.jp', {
          messy: { noOptionRows: true },
          cases: ['no-config-option-rows'],
        }),
        servicePlan(7, 'Active', 'flex.yamada.example.jp', { ...ams, cases: ['unit-variants'] }),
      ],
    }),
    // 3: Ñandú — HMAC hash; duplicate and orphan option rows.
    base('Ñandú', 'Peña', 'nandu@example.es', 'hmac-sha256', 'ñandú-secret', {
      cases: ['non-ascii-names', 'hash-hmac-sha256'],
      services: [
        servicePlan(2, 'Active', 'nandu-app.example.es', {
          messy: { duplicateOptionRows: true },
          cases: ['duplicate-config-option-rows'],
        }),
        servicePlan(1, 'Active', 'nandu-ci.example.es', {
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
        servicePlan(1, 'Active', 'build.obrien-sons.example', {
          imageValue: IMAGE_OUTSIDE_LIST,
          cases: ['custom-field-value-not-in-options'],
        }),
        servicePlan(2, 'Active', 'web.obrien-sons.example', {
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
        servicePlan(2, 'Active', 'mm-prod.shared.example', {
          cases: ['configurable-options-and-custom-fields'],
        }),
      ],
    }),
    {
      ...base('Max', 'Mustermann', 'max@shared.example', 'bcrypt', 'unused'),
      companyName: 'Mustermann Privat',
      owner: { existingUserId: 5 },
      cases: ['shared-client-email', 'user-owns-two-accounts'],
      services: [servicePlan(1, 'Active', 'mm-home.shared.example', { ...ams })],
    },
    // 7: empty / NULL / zero dates, empty domain.
    base('Null', 'Zero', 'null.zero@example.org', 'bcrypt', 'zero-dates-0000', {
      datecreated: '0000-00-00',
      cases: ['empty-null-zero-dates', 'hash-bcrypt'],
      services: [
        servicePlan(1, 'Active', '', {
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
        servicePlan(2, 'Active', 'wrong-server.misplaced.example', {
          messy: { nonProxmoxServer: true },
          cases: ['non-proxmox-server'],
        }),
        servicePlan(6, 'Active', 'misplaced.example', { cases: ['shared-hosting-service'] }),
        servicePlan(1, 'Active', 'novmid.misplaced.example', {
          messy: { emptyVmid: true },
          cases: ['missing-vmid'],
        }),
        servicePlan(4, 'Active', 'kvm-lost.misplaced.example', {
          messy: { emptyVmid: true },
          cases: ['missing-vmid'],
        }),
      ],
    }),
    // 9: pvewhmcs line (VMID in module table).
    base('Greta', 'Legacy', 'greta@legacy-kvm.example', 'bcrypt', 'Greta#KVM', {
      cases: ['hash-bcrypt'],
      services: [
        servicePlan(4, 'Active', 'kvm1.legacy-kvm.example', { cases: ['vmid-in-module-table'] }),
        servicePlan(5, 'Suspended', 'kvm2.legacy-kvm.example', {
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
        servicePlan(1, st, `${st.toLowerCase()}.history.example`, { cases: ['ended-or-pending-service'] }),
      ),
    }),
    // 11: closed client.
    base('Clara', 'Closed', 'clara@closed.example', 'md5', 'closed-account', {
      status: 'Closed',
      cases: ['closed-client'],
      services: [servicePlan(2, 'Terminated', 'old.closed.example', { cases: ['ended-or-pending-service'] })],
    }),
    // 12: domain-only client (no services).
    base('Dora', 'Domains', 'dora@domains-only.example', 'bcrypt', 'only-domains', {
      cases: ['domain-only-client'],
    }),
  ];
}
