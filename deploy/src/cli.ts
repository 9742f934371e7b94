/**
 * The `aioracle-deploy` command line: deploy (devnet core + AVS, or the AVS against a network's
 * EigenLayer core), register a model, create a feed. Built by {@link buildCli} without side
 * effects; src/bin/deploy.ts runs it. Exit codes: 0 success, 1 a chain/RPC failure, 2 bad usage,
 * configuration or key.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AioracleError, createProvider, deploymentFilePath, destroyProvider, errorChain, readDeploymentFile, writeDeploymentFile, type Deployment } from '@aioracle/sdk';
import { loadNetwork, type NetworkFile } from '@aioracle/config';
import { Command, InvalidArgumentError } from 'commander';
import { getBytes } from 'ethers';
import type { QuorumSpec } from './avs.js';
import { deployAll } from './deployAll.js';
import type { DeployProgress } from './deployer.js';
import { loadDeployerKey } from './keys.js';
import { createFeed, registerModel } from './models.js';

/** Exit codes of the CLI. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Error codes that mean "fix your input" (exit 2) rather than "the chain said no" (exit 1). */
const USAGE_CODES = new Set(['ERR_DEPLOY_CONFIG', 'ERR_DEPLOY_KEY_MISSING', 'ERR_DEPLOY_KEY_INVALID', 'ERR_DEPLOYMENT_FILE', 'ERR_CONFIG_INVALID', 'ERR_MANIFEST_INVALID', 'ERR_MODEL_ONNX_MISMATCH', 'ERR_DEPLOY_ARTIFACTS']);

/** Where the CLI writes (injectable for tests). */
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
}

const int = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};

interface QuorumFileEntry {
  quorumNumber: number;
  strategies: { strategy: string; multiplier?: string }[];
  minimumStake?: string;
  maxOperators?: number;
  thresholdBps?: number;
}

/** Reads a quorums JSON file; strategy names (e.g. "WETH") resolve through the network file. */
export function readQuorumsFile(path: string, network?: NetworkFile): QuorumSpec[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new AioracleError('ERR_DEPLOY_CONFIG', `Cannot read the quorums file ${path} as JSON`, { cause });
  }
  if (!Array.isArray(raw)) throw new AioracleError('ERR_DEPLOY_CONFIG', `Validation failed: ${path} must hold a JSON array of quorums`);
  return (raw as QuorumFileEntry[]).map((q, i) => {
    if (!Array.isArray(q.strategies) || q.strategies.length === 0) throw new AioracleError('ERR_DEPLOY_CONFIG', `Validation failed: quorums[${i}].strategies must be a non-empty array`);
    return {
      quorumNumber: q.quorumNumber,
      strategies: q.strategies.map((s, j) => {
        const address = /^0x[0-9a-fA-F]{40}$/.test(s.strategy) ? s.strategy : network?.strategies[s.strategy];
        if (!address) throw new AioracleError('ERR_DEPLOY_CONFIG', `Validation failed: quorums[${i}].strategies[${j}].strategy "${s.strategy}" is neither an address nor a strategy of ${network?.name ?? 'the network'}`);
        return { strategy: address, multiplier: BigInt(s.multiplier ?? '1000000000000000000') };
      }),
      ...(q.minimumStake !== undefined ? { minimumStake: BigInt(q.minimumStake) } : {}),
      ...(q.maxOperators !== undefined ? { maxOperators: q.maxOperators } : {}),
      ...(q.thresholdBps !== undefined ? { thresholdBps: q.thresholdBps } : {}),
    };
  });
}

async function chainIdOf(rpcUrl: string): Promise<number> {
  const p = createProvider(rpcUrl);
  try {
    return Number((await p.getNetwork()).chainId);
  } catch (cause) {
    throw new AioracleError('ERR_RPC', `Cannot reach the RPC endpoint ${rpcUrl}`, { cause, retryable: true });
  } finally {
    await destroyProvider(p);
  }
}

/** Builds the commander program. `run` resolves with the exit code. */
export function buildCli(io: CliIo): { program: Command; run: (argv: string[]) => Promise<number> } {
  const progress = (json: boolean) => (p: DeployProgress): void => {
    if (!json) io.stderr(`  ${p.step}${p.address ? ` ${p.address}` : ''}${p.gasUsed !== undefined ? ` (gas ${p.gasUsed})` : ''}\n`);
  };
  const program = new Command('aioracle-deploy')
    .description('Deploy the AI Oracle AVS (and, on a devnet, a local EigenLayer core), register models and create feeds.')
    .option('--rpc-url <url>', 'JSON-RPC endpoint', io.env.AIORACLE_RPC_URL ?? 'http://127.0.0.1:8545')
    .option('--key-file <path>', 'deployer key: a file with a 0x-hex key, or a JSON keystore (password in AIORACLE_DEPLOYER_PASSWORD); default: env AIORACLE_DEPLOYER_KEY')
    .option('--deployments-dir <dir>', 'where deployments/<chainId>.json lives', io.env.AIORACLE_DEPLOYMENTS_DIR ?? 'deployments')
    .option('--json', 'print machine-readable JSON on stdout (progress is silent)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError()
    .exitOverride();
  program.addHelpText('after', `
Examples:
  # local devnet: deploys the EigenLayer devnet core, the AVS and quorum 0
  AIORACLE_DEPLOYER_KEY=0x... aioracle-deploy deploy --rpc-url http://127.0.0.1:8545
  # against Holesky's EigenLayer core, with quorums over its strategies
  aioracle-deploy deploy --network holesky --quorums quorums.json --key-file ~/.keys/deployer.json
  aioracle-deploy register-model --manifest config/models/mlp-int8.manifest.json --onnx config/models/mlp-int8.onnx
  aioracle-deploy create-feed --model-id 0x... --input-file input.bin --decimals 8 --answer-index 0 --heartbeat 3600 --description "ETH/USD"`);

  let exitCode: number = EXIT.ok;
  const globals = () => program.opts<{ rpcUrl: string; keyFile?: string; deploymentsDir: string; json?: boolean }>();

  program
    .command('deploy')
    .description('deploy the AVS (and the devnet core when the network has no EigenLayer core) and write deployments/<chainId>.json')
    .option('--network <name>', 'network file of config/networks (devnet, holesky, sepolia, mainnet); default: by chain id, else devnet')
    .option('--quorums <file>', 'quorums JSON: [{ quorumNumber, strategies: [{ strategy: address|name, multiplier }], minimumStake, maxOperators, thresholdBps }]')
    .option('--response-window <blocks>', 'blocks a task stays open for responses', int('--response-window'), 20)
    .option('--threshold-bps <bps>', 'default per-quorum threshold (basis points)', int('--threshold-bps'), 6667)
    .option('--metadata-uri <uri>', 'AVS metadata URI published in EigenLayer')
    .option('--owner <address>', 'owner of the AVS contracts after deployment (Ownable2Step: must accept)')
    .action(async (o: { network?: string; quorums?: string; responseWindow: number; thresholdBps: number; metadataUri?: string; owner?: string }) => {
      const g = globals();
      const deployerKey = await loadDeployerKey({ keyFile: g.keyFile, env: io.env });
      const chainId = await chainIdOf(g.rpcUrl);
      const network = o.network !== undefined ? loadNetwork(o.network) : undefined;
      if (network && network.chainId !== chainId) throw new AioracleError('ERR_DEPLOY_CONFIG', `--network ${network.name} is chain ${network.chainId}, but ${g.rpcUrl} is chain ${chainId}`);
      const core = network?.eigenlayer ?? undefined;
      const quorums = o.quorums !== undefined ? readQuorumsFile(o.quorums, network) : undefined;
      if (!g.json) io.stderr(`deploying to chain ${chainId}${core ? ` against the EigenLayer core of ${network!.name}` : ' with a devnet EigenLayer core'}\n`);
      const d = await deployAll({
        rpcUrl: g.rpcUrl,
        deployerKey,
        ...(core ? { core } : {}),
        ...(core && network?.weth !== undefined ? { weth: network.weth } : {}),
        ...(quorums ? { quorums } : {}),
        responseWindowBlocks: o.responseWindow,
        thresholdBps: o.thresholdBps,
        ...(o.metadataUri ? { metadataUri: o.metadataUri } : {}),
        ...(o.owner ? { owner: o.owner } : {}),
        deploymentsDir: g.deploymentsDir,
        onProgress: progress(!!g.json),
      });
      const file = resolve(deploymentFilePath(g.deploymentsDir, d.chainId));
      if (g.json) io.stdout(`${JSON.stringify(d)}\n`);
      else io.stderr(`wrote ${file}\n  InferenceOracle  ${d.avs.inferenceOracle}\n  OperatorRegistry ${d.avs.operatorRegistry}\n  ModelRegistry    ${d.avs.modelRegistry}\n  InferenceFeeds   ${d.avs.inferenceFeeds}\n${d.avs.rewardsVault ? `  RewardsVault     ${d.avs.rewardsVault}\n` : ''}`);
    });

  const loadDeployment = async (): Promise<{ d: Deployment; path: string }> => {
    const g = globals();
    const path = deploymentFilePath(g.deploymentsDir, await chainIdOf(g.rpcUrl));
    return { d: readDeploymentFile(path), path };
  };

  program
    .command('register-model')
    .description('register a model manifest (and check its ONNX file) in the ModelRegistry')
    .requiredOption('--manifest <path>', 'model manifest JSON (docs/manifest.md)')
    .option('--onnx <path>', 'ONNX file; its sha256 must match the manifest')
    .option('--uri <uri>', 'where operators fetch the model (default: manifest onnx.file)')
    .option('--slash-wad <wad>', 'share of allocated magnitude slashed per proven dissent, 1e18 = 100%', '10000000000000000')
    .action(async (o: { manifest: string; onnx?: string; uri?: string; slashWad: string }) => {
      const g = globals();
      const ownerKey = await loadDeployerKey({ keyFile: g.keyFile, env: io.env });
      const { d, path } = await loadDeployment();
      const manifest = readFileSync(o.manifest, 'utf8');
      const entry = await registerModel({ rpcUrl: g.rpcUrl, ownerKey, deployment: d, manifest, ...(o.onnx ? { onnxFile: o.onnx } : {}), ...(o.uri ? { uri: o.uri } : {}), slashWad: BigInt(o.slashWad), onProgress: progress(!!g.json) });
      writeDeploymentFile(path, { ...d, models: [...d.models.filter((m) => m.modelId !== entry.modelId), entry] });
      if (g.json) io.stdout(`${JSON.stringify(entry)}\n`);
      else io.stderr(`model ${entry.name}@${entry.version} registered as ${entry.modelId}\n`);
    });

  program
    .command('create-feed')
    .description('create a feed (a model + fixed input) and its AggregatorV3Interface adapter')
    .requiredOption('--model-id <id>', 'registered model id (bytes32)')
    .option('--input-hex <hex>', 'canonical input bytes as 0x-hex')
    .option('--input-file <path>', 'canonical input bytes from a file')
    .requiredOption('--decimals <n>', 'decimals of the answer', int('--decimals'))
    .option('--answer-index <n>', 'int32 output element that is the answer', int('--answer-index'), 0)
    .option('--heartbeat <seconds>', 'seconds between rounds', int('--heartbeat'), 3600)
    .requiredOption('--description <text>', 'feed description (AggregatorV3Interface.description)')
    .action(async (o: { modelId: string; inputHex?: string; inputFile?: string; decimals: number; answerIndex: number; heartbeat: number; description: string }) => {
      const g = globals();
      if ((o.inputHex === undefined) === (o.inputFile === undefined)) throw new AioracleError('ERR_DEPLOY_CONFIG', 'Validation failed: give exactly one of --input-hex and --input-file');
      const input = o.inputHex !== undefined ? getBytes(o.inputHex) : new Uint8Array(readFileSync(o.inputFile!));
      const ownerKey = await loadDeployerKey({ keyFile: g.keyFile, env: io.env });
      const { d, path } = await loadDeployment();
      const entry = await createFeed({ rpcUrl: g.rpcUrl, ownerKey, deployment: d, modelId: o.modelId, input, decimals: o.decimals, answerIndex: o.answerIndex, heartbeat: o.heartbeat, description: o.description, onProgress: progress(!!g.json) });
      writeDeploymentFile(path, { ...d, feeds: [...d.feeds, entry] });
      if (g.json) io.stdout(`${JSON.stringify(entry)}\n`);
      else io.stderr(`feed ${entry.feedId} created, adapter ${entry.adapter}\n`);
    });

  const run = async (argv: string[]): Promise<number> => {
    exitCode = EXIT.ok;
    try {
      await program.parseAsync(argv, { from: 'user' });
    } catch (err) {
      const e = err as { code?: string; exitCode?: number };
      if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
        return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? EXIT.ok : EXIT.usage;
      }
      const code = err instanceof AioracleError ? err.code : 'ERR_UNEXPECTED';
      if (globals().json) io.stdout(`${JSON.stringify({ error: err instanceof AioracleError ? err.toJSON() : { code, message: String(err) } })}\n`);
      io.stderr(`error: ${errorChain(err).slice(0, 3).join('\n  caused by: ')}\n`);
      exitCode = USAGE_CODES.has(code) ? EXIT.usage : EXIT.failure;
    }
    return exitCode;
  };
  return { program, run };
}
