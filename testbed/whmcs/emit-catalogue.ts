/**
 * Emits the fixed catalogue: configuration, currencies, servers and their groups, the pvewhmcs module's nodes and
 * plans, product groups, products with their pricing, configurable options with their sub-options, custom fields.
 */
import {
  CONFIG_GROUPS,
  CUSTOM_FIELDS,
  PLANS,
  PRODUCT_GROUPS,
  PRODUCTS,
  PVEWHMCS_NODES,
  SERVERS,
  SERVER_GROUPS,
  WHMCS_VERSION,
} from './catalogue.ts';
import { money, splitKeyLabel } from './format.ts';
import { fakeCiphertext, uuidFrom, type Generation, type Row, type RowSink } from './generation.ts';
import type { Manifester } from './manifest-builder.ts';
import type { Prng } from './prng.ts';
const stamp = '2020-01-15 10:00:00';

/** Every price here is recurring only. */
const noSetupFees = {
  msetupfee: '0.00',
  qsetupfee: '0.00',
  ssetupfee: '0.00',
  asetupfee: '0.00',
  bsetupfee: '0.00',
  tsetupfee: '0.00',
};

/** The whole fixed catalogue (catalogue.ts) as WHMCS rows, and the catalogue-level cases it shows. */
export function emitCatalogue(g: Generation): void {
  emitSettings(g.sink);
  emitServers(g.sink, g.prng);
  emitModuleTables(g.sink);
  // tblpricing ids run on from the products' prices to the option prices.
  let next = 1;
  const pricingId = () => next++;
  emitProducts(g.sink, pricingId);
  emitConfigOptions(g.sink, pricingId);
  emitCustomFields(g.sink);
  markCatalogueCases(g.m);
}

function emitSettings(s: RowSink): void {
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
}

/** Servers and their groups; their passwords and access hashes are drawn from the main stream. */
function emitServers(s: RowSink, prng: Prng): void {
  for (const group of SERVER_GROUPS) s.add('tblservergroups', group);
  for (const srv of SERVERS) {
    s.add('tblservers', {
      id: srv.id,
      name: srv.name,
      ipaddress: srv.ipaddress,
      hostname: srv.hostname,
      type: srv.type,
      username: srv.type === 'cpanel' ? 'root' : 'root@pam',
      password: fakeCiphertext(prng),
      accesshash: srv.type === 'cpanel' ? '' : `keel@pve!whmcs=${uuidFrom(prng)}`,
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
}

/** The pvewhmcs module's tables: its nodes and plans. */
function emitModuleTables(s: RowSink): void {
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
}

function emitProducts(s: RowSink, pricingId: () => number): void {
  for (const group of PRODUCT_GROUPS) {
    s.add('tblproductgroups', {
      id: group.id,
      name: group.name,
      slug: group.slug,
      headline: group.headline,
      tagline: null,
      orderfrmtpl: '',
      disabledgateways: '',
      hidden: 0,
      order: group.order,
      created_at: stamp,
      updated_at: stamp,
    });
  }
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
        id: pricingId(),
        type: 'product',
        currency,
        relid: p.id,
        ...noSetupFees,
        monthly: money(m),
        quarterly: money(m * 3),
        semiannually: money(m * 6 * 0.97),
        annually: money(m * 12 * 0.9),
        biennially: p.line === 'pvewhmcs' ? '-1.00' : money(m * 24 * 0.85),
        triennially: '-1.00',
      });
    }
  }
}

function emitConfigOptions(s: RowSink, pricingId: () => number): void {
  let linkId = 1;
  for (const group of CONFIG_GROUPS) {
    s.add('tblproductconfiggroups', { id: group.id, name: group.name, description: group.description });
    for (const pid of group.productIds) s.add('tblproductconfiglinks', { id: linkId++, gid: group.id, pid });
    for (const o of group.options) {
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
            id: pricingId(),
            type: 'configoptions',
            currency,
            relid: sub.id,
            ...noSetupFees,
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
}

function emitCustomFields(s: RowSink): void {
  // A field's definition names its columns as tblcustomfields does.
  for (const { role, ...columns } of CUSTOM_FIELDS) {
    s.add('tblcustomfields', {
      ...columns,
      regexpr: role === 'vmid' ? '/^[0-9]*$/' : '',
      showinvoice: '',
      created_at: stamp,
      updated_at: stamp,
    });
  }
}

function markCatalogueCases(m: Manifester): void {
  m.markCatalogue('html-entities', 'tblproducts', [3]);
  m.markCatalogue('html-entities', 'tblproductgroups', [2]);
  m.markCatalogue('html-entities', 'tblproductconfigoptionssub', [17]);
  m.markCatalogue(
    'html-entities',
    'tblcustomfields',
    CUSTOM_FIELDS.filter((f) => f.fieldoptions.includes('&')).map((f) => f.id),
  );
  m.markCatalogue('key-label-names', 'tblproductconfigoptions', [1, 2, 3, 4, 5]);
  m.markCatalogue(
    'key-label-names',
    'tblproductconfigoptionssub',
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17],
  );
  m.markCatalogue(
    'key-label-names',
    'tblcustomfields',
    CUSTOM_FIELDS.filter((f) => f.fieldname.indexOf('|') > 0 || f.fieldoptions.includes('|')).map(
      (f) => f.id,
    ),
  );
  m.markCatalogue(
    'unit-variants',
    'tblproductconfigoptionssub',
    [18, 19, 20, 21, 22, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38],
  );
  m.markCatalogue('yes-no-and-quantity-in-qty', 'tblproductconfigoptions', [4, 7, 8, 9]);
  m.markCatalogue(
    'same-name-custom-fields',
    'tblcustomfields',
    CUSTOM_FIELDS.filter((f) => f.fieldname === 'VMID').map((f) => f.id),
  );
  m.markCatalogue(
    'vmid-in-custom-field',
    'tblproducts',
    PRODUCTS.filter((p) => p.line === 'cf-vmid').map((p) => p.id),
  );
  m.markCatalogue(
    'vmid-in-module-table',
    'tblproducts',
    PRODUCTS.filter((p) => p.line === 'pvewhmcs').map((p) => p.id),
  );
  m.markCatalogue('shared-hosting-service', 'tblproducts', [6]);
}
