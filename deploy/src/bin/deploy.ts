#!/usr/bin/env node
/** Entry point of `aioracle-deploy` (see src/cli.ts and README.md). */
import { buildCli } from '../cli.js';

const { run } = buildCli({ stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), env: process.env });
process.exitCode = await run(process.argv.slice(2));
