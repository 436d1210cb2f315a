// Copies endpoints verbatim from the official schema (pve-docs apidata.js) into pve-api-subset.json's
// `extras`, in the shape the subset keeps them: `{ path, ...info[METHOD] }`.
//   pnpm exec tsx testbed/pve/subset-add.ts [--apidata FILE] 'GET /nodes/{node}/qemu/{vmid}/snapshot' …
// An endpoint already in the subset is left as it is.
import { readFileSync, writeFileSync } from 'node:fs';
import type { EndpointSchema } from './api-subset.ts';

interface ApiNode {
  path: string;
  info?: Record<string, Omit<EndpointSchema, 'path'>>;
  children?: ApiNode[];
}

const DEFAULT_APIDATA = '/work/shared/reference/pve-apidata.js';
const SUBSET = new URL('./pve-api-subset.json', import.meta.url);

/** Every endpoint of apidata.js's tree, keyed `METHOD /path`. */
export function apidataEndpoints(file = DEFAULT_APIDATA): Map<string, EndpointSchema> {
  const text = readFileSync(file, 'utf8');
  const tree = JSON.parse(text.slice(text.indexOf('['), text.lastIndexOf(']') + 1)) as ApiNode[];
  const found = new Map<string, EndpointSchema>();
  const walk = (nodes: ApiNode[]): void => {
    for (const node of nodes) {
      for (const [method, info] of Object.entries(node.info ?? {}))
        found.set(`${method} ${node.path}`, { path: node.path, ...info });
      walk(node.children ?? []);
    }
  };
  walk(tree);
  return found;
}

function main(argv: string[]): void {
  let apidata = DEFAULT_APIDATA;
  const wanted: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--apidata') apidata = argv[++i] ?? apidata;
    else wanted.push(argv[i] ?? '');
  }
  const official = apidataEndpoints(apidata);
  const subset = JSON.parse(readFileSync(SUBSET, 'utf8')) as {
    endpoints: EndpointSchema[];
    extras: EndpointSchema[];
  };
  const have = new Set([...subset.endpoints, ...subset.extras].map((e) => `${e.method} ${e.path}`));
  for (const key of wanted) {
    const entry = official.get(key);
    if (!entry) throw new Error(`${key} is not in ${apidata}`);
    if (have.has(key)) continue;
    subset.extras.push(entry);
    have.add(key);
    console.log(`added ${key}`);
  }
  writeFileSync(SUBSET, `${JSON.stringify(subset, null, 2)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
