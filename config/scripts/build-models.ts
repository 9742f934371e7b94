/**
 * Builds the demo models into config/models/ (or the directory given with --out): trains the
 * liquidation-risk classifier on seeded synthetic data and writes both ONNX graphs, their
 * manifests, model cards, sample inputs and index.json. Re-running gives byte-identical files.
 *
 * Usage: npm run build:models -w config [-- --out <dir>]
 *   (= node --conditions=source --import tsx scripts/build-models.ts)
 */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { buildModels } from './lib/buildModels.js';

function main(argv: readonly string[]): void {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write('Usage: build-models [--out <dir>]\n  Rebuilds config/models (default) reproducibly.\n  Example: npm run build:models -w config -- --out /tmp/models\n');
    return;
  }
  const outIdx = argv.indexOf('--out');
  const outDir = outIdx >= 0 ? resolve(argv[outIdx + 1] ?? '') : fileURLToPath(new URL('../models/', import.meta.url));
  const started = performance.now();
  const { files, metrics } = buildModels({ outDir });
  process.stdout.write(`built ${files.size} files into ${outDir} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`${JSON.stringify(metrics)}\n`);
}

main(process.argv.slice(2));
