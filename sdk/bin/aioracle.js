#!/usr/bin/env node
// `aioracle`: the committed entry npm links at install time. On a fresh clone dist/ does not exist yet
// when npm links workspace bins, and npm skips a bin whose file is missing, so the bin must be a file
// in git. It runs the built client CLI (../dist/bin/aioracle.js), or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/bin/aioracle.js', import.meta.url);
if (!existsSync(fileURLToPath(built))) {
  process.stderr.write(
    'aioracle: not built yet (no sdk/dist/bin/aioracle.js).\n' +
      'Run `npm run build` once in the repository root (`npm start` also builds), then try again.\n',
  );
  process.exit(1);
}
await import(built.href);
