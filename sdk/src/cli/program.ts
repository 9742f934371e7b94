/**
 * The `aioracle` client command line, built without side effects: {@link runCli} parses argv, runs
 * one command and resolves with its exit code (0 ok, 1 failure, 2 usage or input error; errors as
 * one stderr line `error <CODE>: <message>`). src/bin/aioracle.ts is the process entry point.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { AioracleError } from '../errors.js';
import { auditCommand, devnetCommand, feedLatestCommand, modelListCommand, modelRegisterCommand, requestCommand, taskShowCommand } from './commands.js';
import { CliContext, connectRpc, DEFAULT_RPC_URL, type Connect, type GlobalOptions } from './context.js';
import { CliErrorCode, EXIT, errorLine, exitCodeOf, type CliIo } from './io.js';

/** Collaborators of {@link runCli} (tests replace the chain connection). */
export interface CliDeps {
  connect?: Connect;
}

const EXAMPLES = `
Environment:
  AIORACLE_RPC_URL       default for --rpc-url (else ${DEFAULT_RPC_URL})
  AIORACLE_DEPLOYMENT    default for --deployment (deployments/<chainId>.json written by aioracle-deploy)
  AIORACLE_MODELS_DIR    default for --models-dir (else the demo models of @aioracle/config)
  AIORACLE_IPFS_GATEWAY  HTTP gateway for ipfs:// inputs (request --uri, audit)
  AIORACLE_BEACON_URL    beacon API for blob inputs in audit (default: anvil's, on the RPC URL)
  AIORACLE_PRIVATE_KEY   key that sends transactions (or --key-file with --password-file / AIORACLE_KEY_PASSWORD)

Exit codes: 0 ok, 1 failure (transaction reverted, task expired, audit check failed), 2 usage or input error (nothing sent).

Examples:
  export AIORACLE_DEPLOYMENT=deployments/31337.json AIORACLE_PRIVATE_KEY=0x...
  aioracle request --model liquidation-risk --input config/models/liquidation-risk/sample-input.json --wait
  aioracle request --model liquidation-risk --input big.json --carrier blob --wait
  aioracle request --model liquidation-risk --input big.json --save-input big.bin   # then serve big.bin and:
  aioracle request --model liquidation-risk --input big.json --uri https://example.org/big.bin --wait
  aioracle task show 7 --json
  aioracle audit 7 --rerun
  aioracle feed latest 1
  aioracle model list
  aioracle model register --manifest config/models/liquidation-risk/manifest.json --onnx config/models/liquidation-risk/model.onnx
  aioracle devnet --operators 4`;

const seconds = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
};

/** Builds the commander program; `run` resolves with the exit code. */
export function buildCli(io: CliIo, deps: CliDeps = {}): { program: Command; run: (argv: string[]) => Promise<number> } {
  const connect = deps.connect ?? connectRpc;
  let exitCode: number = EXIT.ok;
  const state: { ctx: CliContext | null } = { ctx: null };
  const program = new Command('aioracle')
    .description('Client of the AI Oracle AVS: request inferences, read tasks and feeds, audit attestations, manage models, run a devnet.')
    .option('--rpc-url <url>', 'JSON-RPC endpoint (env AIORACLE_RPC_URL)')
    .option('--deployment <file>', 'deployments JSON written by aioracle-deploy (env AIORACLE_DEPLOYMENT)')
    .option('--models-dir <dir>', 'folder of model folders (manifest.json + ONNX) (env AIORACLE_MODELS_DIR)')
    .option('--key-file <file>', 'encrypted JSON keystore that sends transactions (default: env AIORACLE_PRIVATE_KEY)')
    .option('--password-file <file>', "file holding the keystore's password (default: env AIORACLE_KEY_PASSWORD)")
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: (str, write) => write(`error ${CliErrorCode.Usage}: ${str.replace(/^error:\s*/, '').trim().replace(/\s*\n\s*/g, ' ')}\n`),
    })
    .exitOverride()
    .addHelpText('after', EXAMPLES);

  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  const context = (): CliContext => (state.ctx ??= new CliContext(io, globals(), connect));
  const action =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A): Promise<void> => {
      exitCode = await fn(...args);
    };

  program
    .command('request')
    .description('request an inference: validates the input against the manifest, pays the model fee, prints the task id')
    .requiredOption('--model <id>', 'model id (0x bytes32), name or name@version from the models directory')
    .requiredOption('--input <file>', 'input JSON: {"inputs": {"<tensor>": [...]}} (as the models\' sample-input.json)')
    .option('--carrier <carrier>', 'how the input travels: calldata (up to 64 KiB), blob (EIP-4844, up to 761,852 bytes) or uri (any size up to the model cap); default: the cheapest that fits')
    .option('--uri <url>', 'carrier uri: https:// or ipfs:// URL serving exactly the encoded input (checked before sending)')
    .option('--save-input <file>', 'write the encoded input bytes to FILE (to serve them for --carrier uri)')
    .option('--wait', 'wait until the task is responded or expired; print the attested output, signers and stake')
    .option('--timeout <seconds>', 'how long --wait waits', seconds, 300)
    .option('--json', 'one JSON object on stdout')
    .action(action((o: { model: string; input: string; carrier?: string; uri?: string; saveInput?: string; wait?: boolean; timeout: number; json?: boolean }) => requestCommand(context(), io, globals(), o)));

  const task = program.command('task').description('tasks of the oracle');
  task
    .command('show')
    .description('a task: status, output, signers and non-signers, signed stake')
    .argument('<id>', 'task id')
    .option('--json', 'one JSON object on stdout')
    .action(action((id: string, o: { json?: boolean }) => taskShowCommand(context(), io, id, o)));

  program
    .command('audit')
    .description('rebuild a task\'s attestation from chain data and check it off-chain; --rerun also runs the model locally')
    .argument('<id>', 'task id')
    .option('--rerun', 're-run the model from the models directory with the pinned runtime and compare outputs')
    .option('--json', 'one JSON object on stdout')
    .action(action((id: string, o: { rerun?: boolean; json?: boolean }) => auditCommand(context(), io, id, o)));

  const feed = program.command('feed').description('inference feeds (AggregatorV3Interface)');
  feed
    .command('latest')
    .description('the latest round of a feed')
    .argument('<feed>', 'feed id, or its description as listed in the deployments file')
    .option('--json', 'one JSON object on stdout')
    .action(action((ref: string, o: { json?: boolean }) => feedLatestCommand(context(), io, ref, o)));

  const model = program.command('model').description('models of the ModelRegistry');
  model
    .command('register')
    .description('register a model (owner key; idempotent); the ONNX file must hash to the manifest')
    .requiredOption('--manifest <file>', 'model manifest JSON (docs/manifest.md)')
    .option('--onnx <file>', "ONNX file (default: the manifest's onnx.file next to it)")
    .option('--uri <uri>', "where operators fetch the model (default: the manifest's uri or onnx.file)")
    .option('--json', 'one JSON object on stdout')
    .action(action((o: { manifest: string; onnx?: string; uri?: string; json?: boolean }) => modelRegisterCommand(context(), io, globals(), o)));
  model
    .command('list')
    .description('every registered model, with its local manifest when the models directory has it')
    .option('--json', 'one JSON object on stdout')
    .action(action((o: { json?: boolean }) => modelListCommand(context(), io, o)));

  program
    .command('devnet')
    .description('run a local devnet (anvil, contracts, operators, aggregator, live view); `aioracle devnet --help` for its options')
    .addOption(new Option('--help').hideHelp())
    .allowUnknownOption()
    .argument('[args...]');

  const run = async (argv: string[]): Promise<number> => {
    exitCode = EXIT.ok;
    state.ctx = null;
    // `devnet` hands its whole argv (options and --help included) to the deploy package's devnet.
    const first = argv.findIndex((a) => !a.startsWith('-'));
    if (first >= 0 && argv[first] === 'devnet') return devnetCommand(io, [...argv.slice(0, first), ...argv.slice(first + 1)]);
    try {
      await program.parseAsync(argv, { from: 'user' });
    } catch (err) {
      const e = err as { code?: string; exitCode?: number };
      if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
        return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? EXIT.ok : EXIT.usage;
      }
      io.stderr(errorLine(err instanceof AioracleError ? err : new AioracleError('ERR_UNEXPECTED', (err as Error)?.message ?? String(err), { cause: err })));
      exitCode = exitCodeOf(err);
    } finally {
      await (state.ctx as CliContext | null)?.close();
    }
    return exitCode;
  };
  return { program, run };
}

/**
 * Runs the `aioracle` CLI in-process and resolves with its exit code.
 * @example const code = await runCli(['task', 'show', '7', '--json'], { stdout, stderr, env: process.env })
 */
export function runCli(argv: string[], io: CliIo, deps: CliDeps = {}): Promise<number> {
  return buildCli(io, deps).run(argv);
}
