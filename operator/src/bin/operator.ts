#!/usr/bin/env node
/** Entry point of `aioracle-operator` (see cli/program.ts). */
import { runCli } from '../cli/program.js';

process.exitCode = await runCli(process.argv.slice(2));
