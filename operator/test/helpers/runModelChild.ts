/**
 * Child process for the determinism test: loads one model folder through the operator's ModelStore
 * (as a separate operator session would) and prints the canonical output bytes of one input.
 * argv: <modelDir> <inputHex> <intraOpThreads>
 */
import { getBytes, hexlify } from 'ethers';
import { ModelStore, runInference } from '../../src/index.js';

const [dir, inputHex, threads] = process.argv.slice(2);
const store = new ModelStore({ dir: dir!, intraOpThreads: Number(threads) }, { chain: null });
const model = await store.get(store.modelIds[0]!);
const out = await runInference(model, getBytes(inputHex!));
process.stdout.write(`${JSON.stringify({ output: hexlify(out) })}\n`);
await store.close();
