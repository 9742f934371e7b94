#!/usr/bin/env node
/** Entry point of `aioracle-devnet`, what the root `npm start` runs (see src/devnet and README.md). */
import { runDevnetCli } from '../devnet/index.js';

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
process.exitCode = await runDevnetCli(process.argv.slice(2));
