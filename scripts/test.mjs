#!/usr/bin/env node
// Runs every package's tests (jest and forge) through turbo, one package at a time, then prints
// one closing line `N passed, N failed` that sums every test run. Each package's test script
// writes its counts to .test-results/<package>.json (jest --json, forge --json summary).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const results = join(root, '.test-results');
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

const extra = process.argv.slice(2);
const run = spawnSync('npx', ['turbo', 'run', 'test', '--concurrency=1', '--continue', ...extra], {
  cwd: root,
  stdio: 'inherit',
});

let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const f of existsSync(results) ? readdirSync(results) : []) {
  if (!f.endsWith('.json')) continue;
  const r = JSON.parse(readFileSync(join(results, f), 'utf8'));
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped ?? 0;
  rows.push(`${f.replace(/\.json$/, '')}: ${r.passed} passed, ${r.failed} failed`);
}
for (const r of rows) console.log(r);
const code = run.status ?? 1;
if (code !== 0 && failed === 0) failed = 1; // a runner that crashed before reporting still fails the run
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(code !== 0 || failed > 0 ? 1 : 0);
