/**
 * The layering is enforced by `pnpm lint`: these snippets, linted as if they stood in the named files
 * with the project's own eslint.config.js, must be refused when they import upward and accepted when
 * they import downward.
 */
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
// Type information is not what is tested here; without it each snippet lints in milliseconds.
const eslint = new ESLint({ cwd: root, overrideConfig: [tseslint.configs.disableTypeChecked] });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
  const fatal = result!.messages.filter((m) => m.fatal);
  if (fatal.length) throw new Error(`${filePath} did not parse: ${fatal.map((m) => m.message).join('; ')}`);
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('pnpm lint refuses an import that points up', () => {
  it.each([
    [
      'db importing a service',
      'src/server/db/x.ts',
      "import { createServer } from '../services/servers/order.ts';",
    ],
    [
      'jobs importing the worker',
      'src/server/jobs/x.ts',
      "import { startWorker } from '../worker/worker.ts';",
    ],
    ['domain importing trpc.ts', 'src/server/domain/x.ts', "import { publicProcedure } from '../trpc.ts';"],
    ['pve importing a router', 'src/server/pve/x.ts', "import { appRouter } from '../routers/root.ts';"],
    [
      'a service importing the worker',
      'src/server/services/x.ts',
      "import { jobHandlers } from '../worker/handlers.ts';",
    ],
    [
      'a service importing http',
      'src/server/services/x.ts',
      "import { restRoutes } from '../http/rest-contract.ts';",
    ],
    [
      'the worker importing a service',
      'src/server/worker/x.ts',
      "import { getServer } from '../services/servers/read.ts';",
    ],
    ['a router importing http', 'src/server/routers/x.ts', "import { sendError } from '../http/errors.ts';"],
    ['lib importing db', 'src/server/lib/x.ts', "import { executeRows } from '../db/client.ts';"],
    ['shared importing the server', 'src/shared/x.ts', "import { appError } from '../server/errors.ts';"],
    [
      'shared importing the client',
      'src/shared/x.ts',
      "import { describeError } from '../client/lib/errors.ts';",
    ],
    [
      'the dashboard importing server code',
      'src/client/lib/x.ts',
      "import { appError } from '../../server/errors.ts';",
    ],
    [
      'the dashboard importing the router itself',
      'src/client/lib/x.ts',
      "import { appRouter } from '../../server/routers/root.ts';",
    ],
    [
      'a client feature importing another feature',
      'src/client/features/auth/x.ts',
      "import { useServers } from '../servers/hooks/useServers.ts';",
    ],
  ])('%s', async (_what, file, code) => {
    const found = await problems(
      file,
      `${code}\nexport const used = [${/import \{ (\w+)/.exec(code)![1]}];\n`,
    );
    expect(
      found.some((p) => /no-restricted-(paths|imports)/.test(p)),
      found.join('\n'),
    ).toBe(true);
  });
});

describe('pnpm lint accepts an import that points down', () => {
  it.each([
    [
      'a service using jobs, domain, db and pve',
      'src/server/services/x.ts',
      [
        "import { enqueueJob } from '../jobs/queue.ts';",
        "import { chooseNode } from '../domain/placement.ts';",
        "import { recordAudit } from '../db/audit.ts';",
        "import type { PveClient } from '../pve/client.ts';",
      ],
    ],
    [
      'the worker using jobs and db',
      'src/server/worker/x.ts',
      ["import { claimJob } from '../jobs/queue.ts';", "import { releaseAddress } from '../db/ipam.ts';"],
    ],
    [
      'a router using a service',
      'src/server/routers/x.ts',
      ["import { getServer } from '../services/servers/read.ts';"],
    ],
    [
      'the dashboard naming the router type',
      'src/client/lib/x.ts',
      [
        "import type { AppRouter } from '../../server/routers/root.ts';",
        "import { serverSchema } from '../../shared/api.ts';",
      ],
    ],
    [
      'a feature using shared components',
      'src/client/features/auth/x.ts',
      ["import { Button } from '../../components/Button.tsx';"],
    ],
  ])('%s', async (_what, file, imports) => {
    const names = imports.map((line) => /import (?:type )?\{ (\w+)/.exec(line)![1]);
    const code = `${imports.join('\n')}\nexport type Used = [${names.map((n) => `typeof ${n}`).join(', ')}];\n`;
    const found = (await problems(file, code)).filter((p) => /restricted/.test(p));
    expect(found).toEqual([]);
  });
});
