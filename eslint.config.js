// @ts-check
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import drizzle from 'eslint-plugin-drizzle';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Keel's layers, top to bottom; an import may only point down (docs/architecture.md draws them).
 * Each zone names the folders (`target`) that must not import the others (`from`).
 */
const server = (...paths) => paths.map((p) => `./src/server/${p}`);
const entry = server('main.ts', 'app.ts', 'cli');
const layerZones = [
  {
    target: server('config.ts', 'logger.ts', 'errors.ts', 'lib'),
    from: server(
      'auth',
      'db',
      'domain',
      'pve',
      'jobs',
      'services',
      'routers',
      'http',
      'worker',
      'trpc.ts',
      'idempotent-writes.ts',
    ),
    message: 'config, logger, errors and lib are the floor of the server: they import no other layer.',
  },
  {
    target: server('auth', 'db', 'domain', 'pve', 'jobs'),
    from: [...server('services', 'routers', 'http', 'worker', 'trpc.ts', 'idempotent-writes.ts'), ...entry],
    message:
      'db, domain, pve, jobs and auth are lower layers: they must not import services, routers, http, the worker or trpc.ts.',
  },
  {
    target: server('services'),
    from: [...server('routers', 'http', 'worker'), ...entry],
    message: 'Services must not import routers, http or the worker; the worker reads the jobs they queue.',
  },
  {
    target: server('worker'),
    from: server('services', 'routers', 'http', 'trpc.ts', 'idempotent-writes.ts', 'main.ts', 'app.ts'),
    message:
      'The worker must not import services, routers, http or trpc.ts: what it shares with them lives in jobs, domain, pve or db.',
  },
  {
    target: server('routers', 'trpc.ts', 'idempotent-writes.ts'),
    from: [...server('http', 'worker'), ...entry],
    message: 'Routers call services; they must not import http or the worker.',
  },
  {
    target: './src/shared',
    from: ['./src/server', './src/client', './src/migrate'],
    message: 'src/shared is imported by server and client alike, so it imports neither.',
  },
  {
    target: './src/client',
    from: './src/server',
    except: ['./routers/root.ts'],
    message: 'The dashboard never imports server code; only `import type { AppRouter }` crosses.',
  },
];

/** A client feature uses its own folder, the shared components and lib, never another feature's internals. */
const features = readdirSync(new URL('./src/client/features', import.meta.url));
const featureZones = features.map((feature) => ({
  target: `./src/client/features/${feature}`,
  from: './src/client/features',
  except: [`./${feature}`],
  message: 'A feature must not import another feature; move what both need to src/client/components or lib.',
}));

export default tseslint.config(
  { ignores: ['dist', 'node_modules', '.data', 'drizzle', 'test-output', 'coverage'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.browser },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX, drizzle },
    settings: { 'import-x/resolver-next': [createNodeResolver()] },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // With noUncheckedIndexedAccess, `match[1]!` after a successful regex is the honest spelling.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Numbers and booleans read naturally in messages; objects and nullish values stay refused.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      // React ignores what an event handler returns; Keel's async handlers catch their own errors.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      'drizzle/enforce-delete-with-where': ['error', { drizzleObjectName: ['db', 'tx', 'ctx.db'] }],
      'drizzle/enforce-update-with-where': ['error', { drizzleObjectName: ['db', 'tx', 'ctx.db'] }],
      'import-x/no-restricted-paths': ['error', { zones: [...layerZones, ...featureZones] }],
    },
  },
  {
    // The one server module the dashboard may name, and only for its types.
    files: ['src/client/**/*.{ts,tsx}'],
    rules: {
      // Props and hooks hand plain functions around; a method-shorthand prop type binds no `this`.
      '@typescript-eslint/unbound-method': 'off',
      // The router's redirect() and notFound() are thrown by design.
      '@typescript-eslint/only-throw-error': [
        'error',
        {
          allow: [{ from: 'package', package: '@tanstack/router-core', name: ['Redirect', 'NotFoundError'] }],
        },
      ],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)server/routers/root\\.ts$',
              allowTypeImports: true,
              message: 'Only `import type { AppRouter }` crosses from the server to the dashboard.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests read loosely typed JSON responses, and their fakes are async to fit async interfaces.
    files: ['**/*.test.ts', '**/*.test.tsx', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/require-await': 'off',
      // A test's database is its own: emptying one of its tables between cases is the point.
      'drizzle/enforce-delete-with-where': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-dynamic-delete': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
