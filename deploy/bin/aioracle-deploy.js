#!/usr/bin/env node
// `aioracle-deploy`: the committed entry npm links at install time. On a fresh clone dist/ does not exist yet
// when npm links workspace bins, and npm skips a bin whose file is missing, so the bin must be a file
// in git. It runs the built deploy CLI (../dist/bin/deploy.js), or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/bin/deploy.js', import.meta.url);
if (!existsSync(fileURLToPath(built))) {
  process.stderr.write(
    'aioracle-deploy: not built yet (no deploy/dist/bin/deploy.js).\n' +
      'Run `npm run build` once in the repository root (`npm start` also builds), then try again.\n',
  );
  process.exit(1);
}
await import(built.href);
