/**
 * The `aioracle-operator` CLI: keys, register, deregister, status, run. Built as a function so
 * tests can run it in-process; `bin/operator.ts` wires it to process.argv and exit codes.
 * Errors print as `error: CODE: message` plus the cause chain; the exit code says what failed
 * (errors.ts exitCodeOf).
 */
import { Command, Option } from 'commander';
import { getAddress, Wallet, type Signer } from 'ethers';
import {
  createProvider,
  deregisterOperator,
  destroyProvider,
  errorChain,
  registerOperator,
  bindings,
  ChainReader,
  claimLedgerRewards,
  pullModel,
  readOperatorRewards,
  type OperatorRewardsSplit,
  type RegistrationProgress,
} from '@aioracle/sdk';
import pino from 'pino';
import { loadOperatorConfig, readPassword, resolveAvs, type OperatorConfig } from '../config.js';
import { exitCodeOf, OperatorErrorCode, operatorError } from '../errors.js';
import { defaultKeysDir, keyInfo, keyInfoFromFile, keyPath, listKeys, loadKey, parseBlsPrivateKey, saveKey } from '../keys.js';
import { OperatorNode } from '../node.js';
import { OPERATOR_VERSION } from '../version.js';
import { BlsSecretKey, readEcdsaKeystore } from '@aioracle/sdk';
import { readFileSync } from 'node:fs';

/** Where the CLI writes (tests capture it). */
export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  env?: Record<string, string | undefined>;
}

const BLS_ENV = 'AIORACLE_BLS_KEY_PASSWORD';
const ECDSA_ENV = 'AIORACLE_ECDSA_KEY_PASSWORD';

function keysDirOpt(): Option {
  return new Option('--keys-dir <dir>', 'keys directory').default(defaultKeysDir(), '~/.aioracle/keys');
}

async function blsKeyFromConfig(cfg: OperatorConfig, io: CliIo, passwordFile?: string) {
  if (!cfg.bls_private_key_store_path) throw operatorError(OperatorErrorCode.KeyNotFound, 'Set bls_private_key_store_path in the config');
  const password = await readPassword({ file: passwordFile ?? cfg.bls_password_file, envVar: BLS_ENV, prompt: 'BLS key password: ', env: io.env });
  return loadKey(cfg.bls_private_key_store_path, password);
}

async function ecdsaSigner(cfg: OperatorConfig, io: CliIo, provider: ReturnType<typeof createProvider>): Promise<Signer> {
  if (!cfg.private_key_store_path) throw operatorError(OperatorErrorCode.KeyNotFound, 'Set private_key_store_path (the ECDSA keystore) in the config');
  const password = await readPassword({ file: cfg.ecdsa_password_file, envVar: ECDSA_ENV, prompt: 'ECDSA key password: ', env: io.env });
  let wallet: Wallet;
  try {
    wallet = new Wallet(await readEcdsaKeystore(cfg.private_key_store_path, password));
  } catch (cause) {
    throw operatorError(OperatorErrorCode.Password, `ECDSA key: ${(cause as Error).message}`, { cause });
  }
  if (cfg.operator.address && getAddress(cfg.operator.address) !== wallet.address) {
    throw operatorError(OperatorErrorCode.KeyNotFound, `operator.address ${cfg.operator.address} does not match the ECDSA keystore's address ${wallet.address}`);
  }
  return wallet.connect(provider);
}

const progressLine = (p: RegistrationProgress): string =>
  `  ${p.status === 'done' ? '✓' : p.status === 'skipped' ? '-' : '…'} ${p.step}${p.status === 'skipped' ? ' (already done)' : ''}${p.detail ? ` ${p.detail}` : ''}${p.txHash ? ` tx ${p.txHash}` : ''}`;

/** How `status` explains the operator's share (sdk readOperatorRewards). */
function splitNote(split: OperatorRewardsSplit): string {
  const pct = (bips: number): string => `${(bips / 100).toFixed(2)}%`;
  switch (split.source) {
    case 'stand-in':
      return "(devnet stand-in coordinator: it credits the whole submission to the operator)";
    case 'operator-set':
      return split.bips !== null
        ? `(your operator-set split ${pct(split.bips)}; the rest goes to your stakers)`
        : `(operator-set splits differ: ${split.byQuorum.map((q) => `quorum ${q.quorum} ${pct(q.bips)}`).join(', ')})`;
    case 'default':
      return `(default split ${pct(split.bips ?? 0)}; the rest goes to your stakers)`;
    default:
      return '(the coordinator reports no split)';
  }
}

/** Builds the CLI program. */
export function buildProgram(io: CliIo): Command {
  const env = io.env ?? process.env;
  const program = new Command('aioracle-operator')
    .description('AI Oracle AVS operator node: keys, registration, and the node itself')
    .version(OPERATOR_VERSION)
    .showHelpAfterError()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  $ aioracle-operator keys create --name op1
  $ aioracle-operator keys show --name op1 --json
  $ aioracle-operator register --config operator.yaml
  $ aioracle-operator models pull --all --config operator.yaml
  $ aioracle-operator run --config operator.yaml
Passwords: --password-file, or AIORACLE_BLS_KEY_PASSWORD / AIORACLE_ECDSA_KEY_PASSWORD, or a prompt.
Exit codes: 0 ok, 1 error, 2 usage, 3 config, 4 keys/password, 5 chain/RPC, 6 equivocation.`,
    );

  const keys = program.command('keys').description('manage BLS keys (eigensdk-go keystores, 0600)');
  keys
    .command('create')
    .description('create a new BLS key')
    .requiredOption('--name <name>', 'key name')
    .addOption(keysDirOpt())
    .option('--password-file <file>', 'file whose first line is the new password')
    .addHelpText('after', '\nExample:\n  $ AIORACLE_BLS_KEY_PASSWORD=... aioracle-operator keys create --name op1')
    .action(async (o: { name: string; keysDir: string; passwordFile?: string }) => {
      const password = await readPassword({ file: o.passwordFile, envVar: BLS_ENV, prompt: 'New BLS key password: ', env, confirm: true });
      const info = await saveKey(o.keysDir, o.name, BlsSecretKey.random(), password);
      io.out(`Created key "${o.name}" at ${info.file}\noperatorId ${info.operatorId}\nBack up the file and its password: the key cannot be recovered without them.\n`);
    });
  keys
    .command('import')
    .description('import a BLS private key (0x-hex or decimal) from a file')
    .requiredOption('--name <name>', 'key name')
    .requiredOption('--private-key-file <file>', 'file holding the private key (never pass keys as arguments)')
    .addOption(keysDirOpt())
    .option('--password-file <file>', 'file whose first line is the new password')
    .action(async (o: { name: string; privateKeyFile: string; keysDir: string; passwordFile?: string }) => {
      let text: string;
      try {
        text = readFileSync(o.privateKeyFile, 'utf8');
      } catch (cause) {
        throw operatorError(OperatorErrorCode.KeyNotFound, `Cannot read ${o.privateKeyFile}`, { cause });
      }
      const sk = parseBlsPrivateKey(text);
      const password = await readPassword({ file: o.passwordFile, envVar: BLS_ENV, prompt: 'New BLS key password: ', env, confirm: true });
      const info = await saveKey(o.keysDir, o.name, sk, password);
      io.out(`Imported key "${o.name}" to ${info.file}\noperatorId ${info.operatorId}\n`);
    });
  keys
    .command('list')
    .description('list keys (no password needed)')
    .addOption(keysDirOpt())
    .option('--json', 'JSON output')
    .action(async (o: { keysDir: string; json?: boolean }) => {
      const all = await listKeys(o.keysDir);
      if (o.json) io.out(`${JSON.stringify(all)}\n`);
      else if (all.length === 0) io.out(`No keys in ${o.keysDir}\n`);
      else for (const k of all) io.out(`${k.name}\t${k.operatorId}\t${k.file}\n`);
    });
  keys
    .command('show')
    .description('show a key: operatorId, pubkeyG1 and pubkeyG2 (decrypts the key)')
    .option('--name <name>', 'key name in the keys directory')
    .option('--file <keystore>', 'a keystore file (e.g. one written by eigenlayer-cli)')
    .addOption(keysDirOpt())
    .option('--password-file <file>', 'file whose first line is the password')
    .option('--json', 'JSON output: {operatorId, pubkeyG1: [x,y], pubkeyG2: [[x_im,x_re],[y_im,y_re]]}')
    .addHelpText('after', '\nExample:\n  $ aioracle-operator keys show --file test.bls.key.json --password-file pw.txt --json')
    .action(async (o: { name?: string; file?: string; keysDir: string; passwordFile?: string; json?: boolean }) => {
      if ((o.name === undefined) === (o.file === undefined)) throw operatorError(OperatorErrorCode.Usage, 'Pass exactly one of --name or --file');
      const file = o.file ?? keyPath(o.keysDir, o.name!);
      const claimed = await keyInfoFromFile(file, o.name);
      const password = await readPassword({ file: o.passwordFile, envVar: BLS_ENV, prompt: 'BLS key password: ', env });
      const info = keyInfo(await loadKey(file, password), file, o.name);
      if (info.operatorId !== claimed.operatorId) throw operatorError(OperatorErrorCode.KeyNotFound, `${file}: pubKey does not match the decrypted key`);
      if (o.json) io.out(`${JSON.stringify({ operatorId: info.operatorId, pubkeyG1: info.pubkeyG1, pubkeyG2: info.pubkeyG2, file })}\n`);
      else io.out(`file       ${file}\noperatorId ${info.operatorId}\npubkeyG1   [${info.pubkeyG1.join(', ')}]\npubkeyG2   ${JSON.stringify(info.pubkeyG2)}\n`);
    });

  const withConfig = (c: Command): Command => c.requiredOption('-c, --config <file>', 'operator.yaml');

  withConfig(program.command('register'))
    .description('register with EigenLayer and the AVS (idempotent: done steps are skipped)')
    .addHelpText('after', '\nExample:\n  $ AIORACLE_ECDSA_KEY_PASSWORD=... AIORACLE_BLS_KEY_PASSWORD=... aioracle-operator register -c operator.yaml')
    .action(async (o: { config: string }) => {
      const cfg = loadOperatorConfig(o.config, {}, env);
      const r = resolveAvs(cfg);
      if (!r.core) throw operatorError(OperatorErrorCode.ChainMismatch, 'EigenLayer core addresses are unknown: set avs.deployment_file or el_*_address');
      const provider = createProvider(cfg.eth_rpc_url);
      try {
        const kp = await blsKeyFromConfig(cfg, { ...io, env });
        const signer = await ecdsaSigner(cfg, { ...io, env }, provider);
        io.out(`Registering ${await signer.getAddress()} (operatorId ${keyInfo(kp, '').operatorId}) in quorum(s) ${r.quorums.join(',')}\n`);
        const devnet = cfg.devnet.deposit && r.devnet ? { token: r.devnet.token, strategy: r.devnet.strategy, stake: BigInt(cfg.devnet.stake) } : undefined;
        const res = await registerOperator({
          signer,
          blsKey: kp,
          core: r.core,
          avs: r.avs,
          quorums: r.quorums,
          metadataUri: cfg.operator.metadata_url,
          allocationDelay: cfg.operator.allocation_delay,
          ...(devnet ? { devnet } : {}),
          ...(cfg.devnet.allocate ? {} : { allocateMagnitude: false as const }),
          onProgress: (p) => io.out(`${progressLine(p)}\n`),
        });
        io.out(res.joined.length ? `Registered in quorum(s) ${res.joined.join(',')}\n` : 'Already registered in every quorum\n');
      } finally {
        await destroyProvider(provider);
      }
    });

  withConfig(program.command('deregister'))
    .description("leave the AVS's operator sets")
    .option('--quorums <list>', 'comma-separated quorums (default: all)')
    .action(async (o: { config: string; quorums?: string }) => {
      const cfg = loadOperatorConfig(o.config, {}, env);
      const r = resolveAvs(cfg);
      if (!r.core) throw operatorError(OperatorErrorCode.ChainMismatch, 'EigenLayer core addresses are unknown');
      const provider = createProvider(cfg.eth_rpc_url);
      try {
        const signer = await ecdsaSigner(cfg, { ...io, env }, provider);
        const left = await deregisterOperator({
          signer,
          core: r.core,
          avs: r.avs,
          ...(o.quorums ? { quorums: o.quorums.split(',').map(Number) } : {}),
          onProgress: (p) => io.out(`${progressLine(p)}\n`),
        });
        io.out(left.length ? `Left quorum(s) ${left.join(',')}\n` : 'Not registered in any quorum\n');
      } finally {
        await destroyProvider(provider);
      }
    });

  withConfig(program.command('status'))
    .description('registration, stake and rewards (earned, submitted, your share, claimed) of the configured operator (reads the chain; no passwords)')
    .option('--json', 'JSON output')
    .action(async (o: { config: string; json?: boolean }) => {
      const cfg = loadOperatorConfig(o.config, {}, env);
      const r = resolveAvs(cfg);
      let address = cfg.operator.address;
      if (!address && cfg.private_key_store_path) address = `0x${(JSON.parse(readFileSync(cfg.private_key_store_path, 'utf8')) as { address: string }).address.replace(/^0x/, '')}`;
      if (!address) throw operatorError(OperatorErrorCode.Usage, 'Set operator.address (or private_key_store_path) in the config');
      const provider = createProvider(cfg.eth_rpc_url);
      try {
        const reg = bindings.OperatorRegistry__factory.connect(r.avs.operatorRegistry, provider);
        const operator = getAddress(address);
        const operatorId = (await reg.operatorIdOf(operator)).toLowerCase();
        const block = await provider.getBlockNumber();
        const registered = !/^0x0+$/.test(operatorId);
        const quorums: { quorum: number; member: boolean; stake: string }[] = [];
        for (const q of r.quorums) {
          let member = false;
          if (r.core) member = await bindings.IAllocationManager__factory.connect(r.core.allocationManager, provider).isMemberOfOperatorSet(operator, { avs: r.avs.inferenceOracle, id: q });
          const [, stake] = registered ? await reg.getOperatorStakeAt(operatorId, q, block) : [false, 0n];
          quorums.push({ quorum: q, member, stake: stake.toString() });
        }
        const rw = r.rewards ? await readOperatorRewards(provider, r.rewards, operator) : null;
        const rewards = rw
          ? {
              pendingWei: rw.pendingWei.toString(),
              submittedWei: rw.submittedWei.toString(),
              operatorShareWei: rw.operatorShareWei?.toString() ?? null,
              split: rw.split,
              claimedWei: rw.claimedWei?.toString() ?? null,
              unclaimedWei: rw.unclaimedWei?.toString() ?? null,
            }
          : null;
        const st = { operator, operatorId: registered ? operatorId : null, registered, block, quorums, rewards };
        if (o.json) io.out(`${JSON.stringify(st)}\n`);
        else {
          io.out(`operator   ${operator}\noperatorId ${st.operatorId ?? '(no BLS key registered)'}\nblock      ${block}\n`);
          for (const q of quorums) io.out(`quorum ${q.quorum}: ${q.member ? 'member' : 'not a member'}, stake ${q.stake}\n`);
          if (!rewards) io.out('rewards    (the AVS has no RewardsVault)\n');
          else {
            const wei = (v: string | null, none: string): string => (v === null ? none : `${v} wei`);
            const line = (first: boolean, label: string, value: string): void => io.out(`${first ? 'rewards   ' : '          '} ${`${label}:`.padEnd(32)}${value}\n`);
            line(true, 'earned, not yet submitted', `${rewards.pendingWei} wei`);
            line(false, 'submitted to EigenLayer', `${rewards.submittedWei} wei (for you and your stakers)`);
            line(false, 'your share of it', `${wei(rewards.operatorShareWei, '(unknown)')} ${splitNote(rewards.split)}`);
            line(false, 'claimed (all AVSs, this token)', wei(rewards.claimedWei, '(unknown: no coordinator/token address)'));
            line(
              false,
              'unclaimed',
              `${wei(rewards.unclaimedWei, '-')}${rewards.unclaimedWei !== null && rewards.split.source !== 'stand-in' ? ' at least (claimed counts every AVS)' : ''}, claimable once a distribution root covers it`,
            );
          }
        }
      } finally {
        await destroyProvider(provider);
      }
    });

  const models = program.command('models').description('models of the ModelRegistry: pull (fetch, verify against the chain, install) and list');
  withConfig(models.command('pull'))
    .description('fetch registered models from their on-chain URI (https, http, ipfs:// via models.ipfs_gateway, file://), verify the manifest hash and ONNX sha256 against the ModelRegistry, install atomically into models.dir')
    .argument('[id]', 'model id (0x bytes32); omit with --all')
    .option('--all', 'every active model of the registry')
    .option('--json', 'one JSON line per model')
    .addHelpText('after', '\nExamples:\n  $ aioracle-operator models pull --all -c operator.yaml\n  $ aioracle-operator models pull 0x3f…e1 -c operator.yaml --json')
    .action(async (id: string | undefined, o: { config: string; all?: boolean; json?: boolean }) => {
      if ((id === undefined) === (o.all !== true)) throw operatorError(OperatorErrorCode.Usage, 'Give a model id or --all (not both)');
      if (id !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(id)) throw operatorError(OperatorErrorCode.Usage, `Model id ${id} must be 0x + 64 hex digits`);
      const cfg = loadOperatorConfig(o.config, {}, env);
      const r = resolveAvs(cfg);
      const provider = createProvider(cfg.eth_rpc_url);
      let failed = 0;
      let lastErr: unknown = null;
      try {
        const reader = new ChainReader(provider, r.avs);
        const ids = id !== undefined ? [id.toLowerCase()] : await reader.getModelIds();
        for (const mid of ids) {
          const info = await reader.getModel(mid);
          if (!info.active && o.all) continue;
          try {
            if (!o.json) io.out(`… ${mid} from ${info.uri.split('?')[0]}\n`);
            const res = await pullModel(info, { dir: cfg.models.dir, maxBytes: cfg.models.pull_max_bytes, ipfsGateway: cfg.models.ipfs_gateway ?? cfg.inputs.ipfs_gateway, ...(cfg.models.pull_allow.length > 0 ? { allow: cfg.models.pull_allow } : {}) });
            if (o.json) io.out(`${JSON.stringify({ ok: true, ...res })}\n`);
            else io.out(`✓ ${res.model} ${res.installed ? 'installed' : 'already installed and verified'} in ${res.dir} (${res.onnxBytes} bytes)${info.active ? '' : ' (inactive on chain)'}\n`);
          } catch (err) {
            failed++;
            lastErr = err;
            const e = err as { code?: string; message?: string };
            if (o.json) io.out(`${JSON.stringify({ modelId: mid, ok: false, code: e.code, error: e.message })}\n`);
            else io.err(`✗ ${mid}: ${e.code ?? ''} ${e.message}\n`);
          }
        }
      } finally {
        await destroyProvider(provider);
      }
      if (failed > 0) throw lastErr;
    });

  withConfig(program.command('claim'))
    .description("claim this operator's task-fee rewards (devnet: from the stand-in RewardsCoordinator)")
    .option('--recipient <address>', 'where the WETH goes (default: the operator)')
    .option('--json', 'JSON output')
    .addHelpText(
      'after',
      '\nOn Holesky/Sepolia/mainnet the claim proofs come from EigenLayer\'s rewards calculation: claim with the\nEigenLayer CLI (eigenlayer rewards claim) or app; see operator/README.md "Rewards: earning and claiming".\n\nExample:\n  $ aioracle-operator claim -c operator.yaml',
    )
    .action(async (o: { config: string; recipient?: string; json?: boolean }) => {
      const cfg = loadOperatorConfig(o.config, {}, env);
      const r = resolveAvs(cfg);
      if (!r.rewards?.coordinator) throw operatorError(OperatorErrorCode.Usage, 'The AVS has no RewardsVault / RewardsCoordinator in the deployments file (avs.rewards_vault, avs.rewards_coordinator)');
      if (!r.devnet) {
        throw operatorError(OperatorErrorCode.Usage, "This is EigenLayer's real RewardsCoordinator: claim with the EigenLayer CLI (`eigenlayer rewards claim`) or app; its proofs come from EigenLayer's rewards calculation");
      }
      const provider = createProvider(cfg.eth_rpc_url);
      try {
        const signer = await ecdsaSigner(cfg, { ...io, env }, provider);
        const recipient = getAddress(o.recipient ?? (await signer.getAddress()));
        const res = await claimLedgerRewards(signer, r.rewards.coordinator, recipient);
        if (o.json) io.out(`${JSON.stringify({ rootIndex: res.rootIndex, amountWei: res.amount.toString(), recipient, txHash: res.txHash })}\n`);
        else io.out(res.amount > 0n ? `Claimed ${res.amount} wei (WETH) to ${recipient} from distribution root ${res.rootIndex}, tx ${res.txHash}\n` : 'Nothing to claim yet (earnings are claimable once a submission is in a distribution root)\n');
      } finally {
        await destroyProvider(provider);
      }
    });

  withConfig(program.command('run'))
    .description('run the node: watch tasks, infer, sign, deliver; node API and /metrics')
    .option('--password-file <file>', 'BLS key password file')
    .addHelpText('after', '\nExample:\n  $ AIORACLE_BLS_KEY_PASSWORD=... aioracle-operator run -c operator.yaml')
    .action(async (o: { config: string; passwordFile?: string }) => {
      const cfg = loadOperatorConfig(o.config, {}, env);
      const logger = pino({ level: cfg.log_level, base: { service: 'aioracle-operator' } });
      const kp = await blsKeyFromConfig(cfg, { ...io, env }, o.passwordFile);
      const node = await OperatorNode.start(cfg, { keyPair: kp, logger });
      await new Promise<void>((resolve) => {
        node.shutdown.installSignalHandlers((report, signal) => {
          logger.info({ signal, failed: report.failed.map((f) => f.name), timedOut: report.timedOut }, 'operator stopped');
          resolve();
        });
      });
    });
  return program;
}

/** Runs the CLI and returns the exit code (never throws). */
export async function runCli(argv: readonly string[], io: CliIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    const c = err as { code?: string; exitCode?: number };
    if (typeof c.code === 'string' && c.code.startsWith('commander.')) {
      return c.code === 'commander.helpDisplayed' || c.code === 'commander.version' || c.code === 'commander.help' ? 0 : 2;
    }
    const chain = errorChain(err);
    io.err(`error: ${chain[0] ?? 'unknown error'}\n${chain.slice(1).map((l) => `  caused by: ${l}\n`).join('')}`);
    return exitCodeOf(err);
  }
}
