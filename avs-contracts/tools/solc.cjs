#!/usr/bin/env node
// A `solc` executable for forge, backed by the npm `solc` package (its wasm build), so no compiler
// is ever downloaded. forge calls `solc --version` and `solc --standard-json [flags]` with the
// standard-JSON input on stdin; everything else is rejected.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const solc = require('solc');

const args = process.argv.slice(2);
if (args.includes('--version')) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}
if (!args.includes('--standard-json')) {
  process.stderr.write('this solc shim supports only --version and --standard-json\n');
  process.exit(2);
}
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const input = Buffer.concat(chunks).toString('utf8');
  // forge inlines every source; the callback only covers a path it did not inline.
  const findImports = (p) => {
    try {
      return { contents: fs.readFileSync(path.resolve(p), 'utf8') };
    } catch {
      return { error: `file not found: ${p}` };
    }
  };
  process.stdout.write(solc.compile(input, { import: findImports }));
});
