/** Writes grafana/dashboards/*.json from scripts/dashboards.ts (see there). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitoringDir } from '../src/index.js';
import { renderDashboards } from './dashboards.js';

for (const [name, text] of Object.entries(renderDashboards())) {
  writeFileSync(join(monitoringDir(), 'grafana', 'dashboards', name), text);
  console.log(`wrote grafana/dashboards/${name}`);
}
