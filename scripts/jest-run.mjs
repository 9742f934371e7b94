#!/usr/bin/env node
// Runs jest for the package in the current directory with native ESM and records the counts in
// <repo>/.test-results/<package>-jest.json for the root summary line. Extra args go to jest.
// --forceExit: a suite that leaves a helper process behind (seen: esbuild services under the aggregator
// suite) must not hold CI after every test has reported.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { join, basename } from 'node:path';
import { createRequire } from 'node:module';

const root = new URL('..', import.meta.url).pathname;
const pkg = basename(process.cwd());
const outDir = join(root, '.test-results');
mkdirSync(outDir, { recursive: true });
const raw = join(outDir, `${pkg}-jest.raw.json`);
const jestBin = createRequire(import.meta.url).resolve('jest/bin/jest');
const res = spawnSync(process.execPath, ['--experimental-vm-modules', '--no-warnings', jestBin, '--json', '--passWithNoTests', '--forceExit', `--outputFile=${raw}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env },
});
let passed = 0, failed = 0, skipped = 0;
if (existsSync(raw)) {
  const j = JSON.parse(readFileSync(raw, 'utf8'));
  passed = j.numPassedTests; failed = j.numFailedTests + (j.numRuntimeErrorTestSuites ?? 0); skipped = j.numPendingTests + (j.numTodoTests ?? 0);
  rmSync(raw);
}
writeFileSync(join(outDir, `${pkg}-jest.json`), JSON.stringify({ passed, failed, skipped }));
process.exit(res.status ?? 1);
