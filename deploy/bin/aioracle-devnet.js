#!/usr/bin/env node
// `aioracle-devnet`: the committed entry npm links at install time. On a fresh clone dist/ does not exist yet
// when npm links workspace bins, and npm skips a bin whose file is missing, so the bin must be a file
// in git. It runs the built devnet (../dist/bin/devnet.js), or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/bin/devnet.js', import.meta.url);
if (!existsSync(fileURLToPath(built))) {
  process.stderr.write(
    'aioracle-devnet: not built yet (no deploy/dist/bin/devnet.js).\n' +
      'Run `npm run build` once in the repository root (`npm start` also builds), then try again.\n',
  );
  process.exit(1);
}
await import(built.href);
