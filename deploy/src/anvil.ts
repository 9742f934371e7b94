/**
 * Local chains for tests, the devnet and the gas bench: spawns the anvil binary that the npm package
 * `@foundry-rs/anvil` ships (no foundryup, nothing downloaded) on a free port with the Cancun
 * hardfork, waits until it answers JSON-RPC, and kills it on `stop()` or when the process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AioracleError, freePort } from '@aioracle/sdk';

/** The private keys anvil derives from its default mnemonic ("test test … junk"), accounts 0..9. */
export const ANVIL_DEFAULT_KEYS: readonly string[] = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
  '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
];

/** Options of {@link startAnvil}. */
export interface StartAnvilOptions {
  /** Seconds between blocks; omitted = automine (a block per transaction). */
  blockTimeSec?: number;
  /** TCP port; omitted = a free port chosen by the OS. */
  port?: number;
  /** Chain id (default 31337). */
  chainId?: number;
  /** Block gas limit (default anvil's, 30M). The gas bench raises it for big batches. */
  gasLimit?: bigint;
  /** Raise the EIP-170 runtime code size limit (bytes). Local experiments only: public networks keep 24,576. */
  codeSizeLimit?: number;
  /** Milliseconds to wait for anvil to answer (default 20 s). */
  startTimeoutMs?: number;
  /** Extra anvil flags (e.g. ['--code-size-limit', '50000']). */
  extraArgs?: string[];
}

/** A running anvil. */
export interface AnvilInstance {
  /** `http://127.0.0.1:<port>`. */
  rpcUrl: string;
  /** The chain id it reports. */
  chainId: number;
  /** Its port. */
  port: number;
  /** anvil's ten default dev accounts, each funded with 10,000 ETH. */
  accounts: { address: string; privateKey: string }[];
  /** The anvil process id (for CPU accounting in benches). */
  pid: number;
  /** Kills anvil and waits for it to exit (idempotent). */
  stop: () => Promise<void>;
}

const ANVIL_DEFAULT_ADDRESSES = [
  '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
  '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65',
  '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc',
  '0x976EA74026E726554dB657fA54763abd0C3a0aa9',
  '0x14dC79964da2C08b23698B3D3cc7Ca32193d9955',
  '0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f',
  '0xa0Ee7A142d267C1f36714E4a8F75612F20a79720',
];

/** Path of the anvil binary inside the platform package of `@foundry-rs/anvil`. */
export function anvilBinaryPath(): string {
  const require = createRequire(import.meta.url);
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const platformPkg = `@foundry-rs/anvil-${process.platform}-${arch}/package.json`;
  const exe = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  const tries: (() => string)[] = [
    () => join(dirname(require.resolve(platformPkg)), 'bin', exe),
    // The platform package is an optional dependency of @foundry-rs/anvil: resolve from there too.
    () => join(dirname(createRequire(require.resolve('@foundry-rs/anvil/package.json')).resolve(platformPkg)), 'bin', exe),
  ];
  for (const t of tries) {
    try {
      const p = t();
      if (existsSync(p)) return p;
    } catch {
      // try the next location
    }
  }
  throw new AioracleError('ERR_ANVIL_NOT_FOUND', `anvil binary not found: install @foundry-rs/anvil (and its ${platformPkg.replace('/package.json', '')} package) with npm`, {
    details: { platform: process.platform, arch: process.arch },
  });
}

/** A free TCP port on 127.0.0.1 outside the kernel's ephemeral range (the sdk's freePort, re-exported). */
export { freePort };

async function rpcChainId(url: string): Promise<number | undefined> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1000),
    });
    const body = (await res.json()) as { result?: string };
    return body.result === undefined ? undefined : Number(BigInt(body.result));
  } catch {
    return undefined;
  }
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: a SIGKILL is the only thing that cannot be left half-done.
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/**
 * Starts anvil (`--hardfork cancun`, silent) on a free port and resolves once it answers
 * `eth_chainId`. The child is killed by `stop()` and, as a safety net, when this process exits.
 * Throws ERR_ANVIL_START when it exits early or does not answer in time.
 * @example
 * const anvil = await startAnvil();
 * try { const d = await deployAll({ rpcUrl: anvil.rpcUrl, deployerKey: anvil.accounts[0]!.privateKey }); }
 * finally { await anvil.stop(); }
 */
export async function startAnvil(options: StartAnvilOptions = {}): Promise<AnvilInstance> {
  const bin = anvilBinaryPath();
  const chainId = options.chainId ?? 31337;
  const timeoutMs = options.startTimeoutMs ?? 20_000;
  // A port chosen by freePort() can be taken by someone else before anvil binds it: retry a few times.
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const args = ['--hardfork', 'cancun', '--port', String(port), '--host', '127.0.0.1', '--chain-id', String(chainId), '--silent'];
    if (options.blockTimeSec !== undefined) args.push('--block-time', String(options.blockTimeSec));
    if (options.gasLimit !== undefined) args.push('--gas-limit', options.gasLimit.toString());
    if (options.codeSizeLimit !== undefined) args.push('--code-size-limit', String(options.codeSizeLimit));
    args.push(...(options.extraArgs ?? []));
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(child);
    installExitHook();
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 4096) stderr += d.toString('utf8');
    });
    let exited = false;
    const exitedP = new Promise<void>((resolve) => {
      child.once('exit', () => {
        exited = true;
        running.delete(child);
        resolve();
      });
    });
    child.once('error', () => undefined);
    // A forgotten stop() must not keep the caller alive: the exit hook kills anvil then.
    child.unref();
    (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    const rpcUrl = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + timeoutMs;
    let answered: number | undefined;
    while (!exited && Date.now() < deadline) {
      answered = await rpcChainId(rpcUrl);
      if (answered !== undefined) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const stop = async (): Promise<void> => {
      if (exited) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exitedP;
      clearTimeout(t);
    };
    if (answered !== undefined) {
      return {
        rpcUrl,
        chainId: answered,
        port,
        accounts: ANVIL_DEFAULT_KEYS.map((privateKey, i) => ({ address: ANVIL_DEFAULT_ADDRESSES[i] as string, privateKey })),
        pid: child.pid ?? 0,
        stop,
      };
    }
    await stop();
    const portTaken = /address already in use|Address in use/i.test(stderr);
    if (portTaken && options.port === undefined && attempt < 5) continue;
    throw new AioracleError('ERR_ANVIL_START', `anvil did not start on port ${port}${stderr ? `: ${stderr.trim().slice(0, 500)}` : ''}`, {
      details: { port, bin },
      retryable: portTaken,
    });
  }
}
