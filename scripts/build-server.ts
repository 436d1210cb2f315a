/**
 * `pnpm build` (after the dashboard): compiles the server into `dist/server/` with esbuild, so that
 * `pnpm start` and the Docker image run plain JavaScript instead of compiling TypeScript at every start.
 *
 * One bundle per entry point (`main.js` for Keel, `worker.js` for a worker of its own) with shared
 * chunks beside them; the packages in node_modules stay imports. Every output file sits directly in
 * `dist/server/`, two levels below the project root, as `src/server/main.ts` does. A source file's
 * `import.meta.url` is rewritten to that source file's own URL (resolved from the output file), so a path
 * it builds relative to itself (`../../../drizzle`, `./pve-api-subset.json`) names the same file in
 * the source tree and in the build.
 */
import { readFile, rm } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const outdir = resolve(root, 'dist/server');

const sourceUrls: Plugin = {
  name: 'source-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return { contents: source, loader: 'ts' };
      const fromOutput = relative(outdir, args.path).split('\\').join('/');
      const url = `new URL(${JSON.stringify(fromOutput)}, import.meta.url).href`;
      return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

await rm(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/server/main.ts', worker: 'src/server/worker/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: '[name]-[hash]',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [sourceUrls],
});
const js = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js'));
const kb = js.reduce((sum, [, output]) => sum + output.bytes, 0) / 1024;
process.stdout.write(`dist/server: ${js.length} JavaScript files, ${kb.toFixed(0)} KB\n`);
