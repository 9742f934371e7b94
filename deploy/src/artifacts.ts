/**
 * Forge artifacts of @aioracle/avs-contracts (ABI + creation bytecode), read from the package's
 * `out/` directory. The package is found through Node's resolver (its package.json), never through
 * a relative path, so this works from a workspace checkout and from an installed package alike.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AioracleError } from '@aioracle/sdk';
import type { InterfaceAbi } from 'ethers';

/** What deploy needs of a forge artifact. */
export interface ContractArtifact {
  /** The contract name. */
  name: string;
  /** The JSON ABI. */
  abi: InterfaceAbi;
  /** Creation bytecode (0x-hex). */
  bytecode: string;
  /** Size of the runtime code in bytes (EIP-170 caps it at 24,576 on public networks). */
  runtimeSize: number;
}

/** EIP-170: the largest runtime code a contract may have on Ethereum mainnet and testnets. */
export const EIP170_CODE_SIZE_LIMIT = 24_576;

/** The directory of the installed/linked @aioracle/avs-contracts package. */
export function avsContractsDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return dirname(require.resolve('@aioracle/avs-contracts/package.json'));
  } catch (cause) {
    throw new AioracleError('ERR_DEPLOY_ARTIFACTS', 'Cannot find the @aioracle/avs-contracts package: run `npm install` at the repository root', { cause });
  }
}

/** Default forge output directory: `<avs-contracts>/out` (FOUNDRY_OUT overrides the folder name). */
export function defaultArtifactsDir(): string {
  return join(avsContractsDir(), process.env.FOUNDRY_OUT ?? 'out');
}

const cache = new Map<string, ContractArtifact>();

/**
 * Loads `<artifactsDir>/<file>.sol/<name>.json`. `name` may be `File:Contract` when they differ.
 * Throws ERR_DEPLOY_ARTIFACTS with the build command when the artifact is missing or has no bytecode.
 */
export function loadArtifact(name: string, artifactsDir: string = defaultArtifactsDir()): ContractArtifact {
  const [file, contract] = name.includes(':') ? (name.split(':') as [string, string]) : [name, name];
  const path = join(artifactsDir, `${file}.sol`, `${contract}.json`);
  const hit = cache.get(path);
  if (hit) return hit;
  if (!existsSync(path)) {
    throw new AioracleError('ERR_DEPLOY_ARTIFACTS', `No forge artifact for ${contract} at ${path}: build the contracts first (\`npm run build -w avs-contracts\`)`, {
      details: { contract, path },
    });
  }
  const json = JSON.parse(readFileSync(path, 'utf8')) as { abi: InterfaceAbi; bytecode?: { object?: string } | string; deployedBytecode?: { object?: string } | string };
  const runtime = typeof json.deployedBytecode === 'string' ? json.deployedBytecode : (json.deployedBytecode?.object ?? '');
  const bytecode = typeof json.bytecode === 'string' ? json.bytecode : (json.bytecode?.object ?? '0x');
  if (!bytecode || bytecode === '0x') {
    throw new AioracleError('ERR_DEPLOY_ARTIFACTS', `${contract} has no creation bytecode (abstract contract or interface?)`, { details: { contract, path } });
  }
  const art: ContractArtifact = { name: contract, abi: json.abi, bytecode: bytecode.startsWith('0x') ? bytecode : `0x${bytecode}`, runtimeSize: Math.floor(runtime.replace(/^0x/, '').length / 2) };
  cache.set(path, art);
  return art;
}
