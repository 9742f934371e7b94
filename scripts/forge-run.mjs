#!/usr/bin/env node
// Runs `forge test` for avs-contracts and records the counts in .test-results/<pkg>-forge.json
// for the root summary line. Prints forge's normal human output; extra args go to forge.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, basename } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const outDir = join(root, '.test-results');
mkdirSync(outDir, { recursive: true });
const res = spawnSync('npx', ['forge', 'test', '--json', ...process.argv.slice(2)], { encoding: 'utf8', maxBuffer: 1 << 30 });
process.stderr.write(res.stderr ?? '');
let passed = 0, failed = 0, skipped = 0;
const line = (res.stdout ?? '').split('\n').find((l) => l.startsWith('{'));
if (line) {
  const suites = JSON.parse(line);
  for (const [suite, s] of Object.entries(suites)) {
    for (const [name, t] of Object.entries(s.test_results)) {
      if (t.status === 'Success') passed++;
      else if (t.status === 'Skipped') skipped++;
      else {
        failed++;
        console.log(`FAIL ${suite} ${name}: ${t.reason ?? ''}${t.counterexample ? ` counterexample=${JSON.stringify(t.counterexample)}` : ''}`);
      }
    }
  }
} else {
  process.stdout.write(res.stdout ?? '');
  failed = 1;
}
console.log(`forge: ${passed} passed, ${failed} failed, ${skipped} skipped`);
writeFileSync(join(outDir, `${basename(process.cwd())}-forge.json`), JSON.stringify({ passed, failed, skipped }));
process.exit(res.status === 0 && failed === 0 ? 0 : 1);
