import { describe, expect, it } from 'vitest';
import { chunkGraph, downloads, gzipKb, type Manifest } from './bundle.ts';

const manifest: Manifest = {
  'index.html': {
    file: 'assets/index.js',
    isEntry: true,
    imports: ['_shared.js'],
    dynamicImports: ['features/account/AccountPage.tsx', 'features/admin/AdminLayout.tsx'],
  },
  '_shared.js': { file: 'assets/shared.js', imports: ['_react.js'] },
  '_react.js': { file: 'assets/react.js' },
  '_dialog.js': { file: 'assets/dialog.js', imports: ['_react.js'] },
  '_table.js': { file: 'assets/table.js' },
  'features/account/AccountPage.tsx': {
    file: 'assets/account.js',
    src: 'features/account/AccountPage.tsx',
    isDynamicEntry: true,
    imports: ['_dialog.js', '_shared.js'],
  },
  'features/admin/AdminLayout.tsx': {
    file: 'assets/admin.js',
    src: 'features/admin/AdminLayout.tsx',
    isDynamicEntry: true,
    imports: ['_dialog.js', '_table.js'],
  },
  'styles.css': { file: 'assets/index.css' },
};
const sizes: Record<string, number> = {
  'assets/index.js': 1024,
  'assets/shared.js': 2048,
  'assets/react.js': 4096,
  'assets/dialog.js': 512,
  'assets/table.js': 1536,
  'assets/account.js': 256,
  'assets/admin.js': 768,
};

describe('bundle downloads', () => {
  const graph = chunkGraph(manifest, (file) => sizes[file]!);
  const { customerInitial, customerAll, console } = downloads(graph);

  it('counts the entry and its static imports, transitively, as the first load', () => {
    expect([...customerInitial].sort()).toEqual(['assets/index.js', 'assets/react.js', 'assets/shared.js']);
    expect(gzipKb(graph, customerInitial)).toBe(7);
  });

  it('gives the console only what no customer page loads', () => {
    expect([...customerAll].sort()).toContain('assets/dialog.js');
    expect([...console].sort()).toEqual(['assets/admin.js', 'assets/table.js']);
    expect(gzipKb(graph, console)).toBe(2.25);
  });

  it('skips stylesheets and refuses a manifest without an entry', () => {
    expect(graph.gzip.has('assets/index.css')).toBe(false);
    expect(() => chunkGraph({ a: { file: 'a.js' } }, () => 1)).toThrow(/no entry/);
  });
});
