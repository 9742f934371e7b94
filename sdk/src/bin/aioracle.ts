#!/usr/bin/env node
/** Entry point of `aioracle`, the AI Oracle AVS client (see src/cli/program.ts and README.md). */
import { runCli } from '../cli/program.js';

// `aioracle --help | head` closes stdout early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
process.exitCode = await runCli(process.argv.slice(2), { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), env: process.env });
