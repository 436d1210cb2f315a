import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * CI reads a plain `N passed, N failed` closing line; vitest's own summary is not in that form, so this
 * reporter prints one from the same results. When KEEL_TEST_TOTALS names a file, the counts of earlier
 * runs in the same test command are added, so the last line covers every suite.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const totals = { passed: 0, failed: 0, skipped: 0 };
    const file = process.env.KEEL_TEST_TOTALS;
    if (file && existsSync(file) && readFileSync(file, 'utf8').trim()) {
      Object.assign(totals, JSON.parse(readFileSync(file, 'utf8')) as typeof totals);
    }
    for (const mod of testModules) {
      const tests = [...mod.children.allTests()];
      for (const test of tests) {
        const state = test.result().state;
        if (state === 'passed') totals.passed++;
        else if (state === 'failed') totals.failed++;
        else totals.skipped++;
      }
      // A file that fails to load has no tests but must still count as a failure.
      if (mod.state() === 'failed' && tests.length === 0) totals.failed++;
    }
    totals.failed += unhandledErrors.length;
    if (file) writeFileSync(file, JSON.stringify(totals));
    process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
  }
}
