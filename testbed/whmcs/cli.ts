/**
 * pnpm testbed:whmcs [--url mysql://root@127.0.0.1:3306/whmcs] [--scale N] [--seed S] [--reset]
 *                    [--manifest FILE] [--pve-state FILE]
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_SCALE, DEFAULT_SEED, DEFAULT_URL, seedWhmcsToFiles } from './index.ts';

export const DEFAULT_MANIFEST_PATH = fileURLToPath(new URL('./manifest.json', import.meta.url));

function nonNegativeInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new Error(`--${name} must be a non-negative integer, got "${text}"`);
  return Number(text);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: process.env.WHMCS_DB_URL ?? DEFAULT_URL },
      scale: { type: 'string' },
      seed: { type: 'string' },
      reset: { type: 'boolean', default: false },
      manifest: { type: 'string', default: DEFAULT_MANIFEST_PATH },
      'pve-state': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'pnpm testbed:whmcs [--url mysql://root@127.0.0.1:3306/whmcs] [--scale N] [--seed S] [--reset] [--manifest FILE] [--pve-state FILE]\n',
    );
    return;
  }
  const scale = nonNegativeInt('scale', values.scale, DEFAULT_SCALE);
  const seed = nonNegativeInt('seed', values.seed, DEFAULT_SEED);
  const started = performance.now();
  const { manifest, counts } = await seedWhmcsToFiles({
    url: values.url,
    scale,
    seed,
    reset: values.reset,
    manifestPath: values.manifest,
    ...(values['pve-state'] ? { pveStatePath: values['pve-state'] } : {}),
  });
  const totalIn = (performance.now() - started) / 1000;
  const c = manifest.counts;
  process.stdout.write(
    [
      `WHMCS ${manifest.whmcsVersion} testbed at ${values.url.replace(/\/\/[^@]*@/, '//…@')} (seed ${seed}, scale ${scale})`,
      `  clients ${c.clients} (${c.clientsToMigrate} to migrate), users ${c.users}, services ${c.services} (${c.servicesToMigrate} to migrate as servers)`,
      `  config option rows ${counts.tblhostingconfigoptions ?? 0}, custom field values ${counts.tblcustomfieldsvalues ?? 0}, messy cases ${Object.keys(manifest.cases).length}`,
      `  manifest ${values.manifest}${values['pve-state'] ? `, PVE state ${values['pve-state']}` : ''}`,
      `  seeded with manifest in ${totalIn.toFixed(1)} s, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`testbed:whmcs failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
