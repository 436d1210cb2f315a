import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vite';
import { configDefaults } from 'vitest/config';

export default defineConfig({
  root: 'src/client',
  plugins: [react(), tailwindcss()],
  // The manifest maps each chunk to what it imports; `pnpm bench:ui` reads it to size what each kind of
  // user downloads. It sits in `.vite/`, which the server's static files never serve.
  build: { outDir: '../../dist/client', emptyOutDir: true, manifest: true },
  server: { proxy: { '/api': 'http://127.0.0.1:3000', '/trpc': 'http://127.0.0.1:3000' } },
  test: {
    root: '.',
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'server',
          environment: 'node',
          include: [
            'src/server/**/*.test.ts',
            'src/shared/**/*.test.ts',
            'src/migrate/**/*.test.ts',
            'test/**/*.test.ts',
          ],
          // The hard suite restarts shared services: it runs alone, through `pnpm test:hard`.
          exclude: [...configDefaults.exclude, 'test/hard/**'],
        },
      },
      {
        // `pnpm test:hard`: crashes, database restarts, fault storms and fuzzing. Run on their own,
        // one file at a time, because they restart shared services and load the machine.
        extends: true,
        test: {
          name: 'hard',
          environment: 'node',
          include: ['test/hard/**/*.test.ts'],
          testTimeout: 600_000,
        },
      },
      {
        extends: true,
        test: { name: 'testbed', environment: 'node', include: ['testbed/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'client',
          environment: 'jsdom',
          include: ['src/client/**/*.test.{ts,tsx}'],
          setupFiles: ['./test/setup-dom.ts', './src/client/testing/jsdom-gaps.ts'],
        },
      },
    ],
  },
});
