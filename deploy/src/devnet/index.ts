/**
 * @aioracle/deploy/devnet: the one-command local devnet (`npm start`, `aioracle devnet`) and the
 * handle end-to-end tests drive. See README.md "Devnet".
 */
export { runDevnetCli, buildDevnetCommand, type DevnetCliIo } from './cli.js';
export { startDevnet, type StartDevnetOptions, type DevnetHandle, type DevnetOperator, type DevnetRequest, type DevnetSummary } from './devnet.js';
export { loadDemoModels, loadReferenceModels, variedInput, encodeRow, repoRoot, modelsDir, type DemoModel, type ReferenceModel } from './demoModels.js';
export { TaskTracker, percentile, type DevnetStats, type FeedView, type TrackedTask } from './tracker.js';
export { renderView, renderLine } from './view.js';
export { cpuSnapshot, cpuDelta } from './cpu.js';
export { clientExports, type ClientEnvSource } from './clientEnv.js';
