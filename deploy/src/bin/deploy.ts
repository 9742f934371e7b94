#!/usr/bin/env node
/** Entry point of `aioracle-deploy` (see src/cli.ts and README.md). */
import { buildCli } from '../cli.js';

// `aioracle-deploy --help | head` closes stdout early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
const { run } = buildCli({ stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), env: process.env });
process.exitCode = await run(process.argv.slice(2));
