/** Writes prometheus/tests/*.test.yml from scripts/ruleTestCases.ts (see there). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitoringDir, rulesDir } from '../src/index.js';
import { renderRuleTests } from './ruleTestCases.js';

for (const [name, text] of Object.entries(renderRuleTests(rulesDir()))) {
  writeFileSync(join(monitoringDir(), 'prometheus', 'tests', name), text);
  console.log(`wrote prometheus/tests/${name}`);
}
