/**
 * The hand-written hot paths against the general implementations they replace: the WebAssembly
 * keccak and EIP-55 checksum against ethers, parseTask's fast path against the schema, and the
 * TaskCreated log decoder against ethers' Interface (and its strictness on non-canonical data).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { getAddress, hexlify, Interface, keccak256 } from 'ethers';
import fc from 'fast-check';
import { isAioracleError } from '../../src/errors.js';
import { parseTaskCreatedLog, parseTaskRespondedLog, TASK_CREATED_TOPIC, TASK_RESPONDED_TOPIC, type LogLike } from '../../src/contracts/chainReader.js';
import { encodeRequestInference } from '../../src/contracts/calldata.js';
import { InferenceOracle__factory } from '../../src/contracts/generated/index.js';
import { bytesToHex, checksumLowerAddress, hexToBytes, keccak256Hex, keccakReady } from '../../src/util/keccak.js';
import { modelIdFor, parseTask, parseTaskWithSchema, TASK_ABI_TUPLE, taskAbiValue, taskHash, taskToJson, type Task } from '../../src/protocol/index.js';
import { arbTask, hex } from './arbitraries.js';

beforeAll(async () => {
  await keccakReady;
});

describe('keccak256Hex and checksumLowerAddress', () => {
  it('equal ethers on random inputs of every size up to several rate blocks', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), (b) => {
        expect(keccak256Hex(b)).toBe(keccak256(b));
      }),
      { numRuns: 300 },
    );
  });

  it('checksum like getAddress', () => {
    fc.assert(
      fc.property(hex(20), (a) => {
        expect(checksumLowerAddress(a)).toBe(getAddress(a));
      }),
      { numRuns: 300 },
    );
  });

  it('hexToBytes refuses odd or non-hex input; bytesToHex inverts it', () => {
    expect(() => hexToBytes('0x123')).toThrow(TypeError);
    expect(() => hexToBytes('12')).toThrow(TypeError);
    expect(() => hexToBytes('0xzz')).toThrow(TypeError);
    expect(bytesToHex(hexToBytes('0x00ff10'))).toBe('0x00ff10');
  });
});

describe('parseTask fast path', () => {
  // Junk a field may be replaced with: every kind of value the schema distinguishes.
  const junk = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.integer(),
    fc.double(),
    fc.bigInt(),
    fc.string(),
    hex(20).map((s) => s.toUpperCase()),
    hex(20).map((s) => `0x${s.slice(2).toUpperCase()}`),
    hex(32),
    fc.array(fc.integer({ min: -2, max: 300 })),
    fc.constant('0x0001'),
    fc.constant([2, 1]),
    fc.constant([]),
    fc.constant('18446744073709551616'),
    fc.constant('007'),
  );
  const fields = ['taskId', 'modelId', 'requester', 'inputHash', 'referenceBlock', 'deadlineBlock', 'fee', 'callback', 'callbackGasLimit', 'feedId', 'quorumNumbers', 'quorumThresholdBps', 'extra'];
  const outcome = (f: () => Task): unknown => {
    try {
      return { ok: f() };
    } catch (err) {
      return { code: isAioracleError(err) ? err.code : String(err) };
    }
  };

  it('accepts and refuses exactly what the schema does, with the same result (property)', () => {
    fc.assert(
      fc.property(arbTask, fc.boolean(), fc.array(fc.tuple(fc.constantFrom(...fields), junk), { maxLength: 2 }), (t, asJson, edits) => {
        const v: Record<string, unknown> = asJson ? { ...taskToJson(t) } : { ...t };
        for (const [k, j] of edits) {
          if (j === undefined) delete v[k];
          else v[k] = j;
        }
        expect(outcome(() => parseTask(v))).toEqual(outcome(() => parseTaskWithSchema(v)));
      }),
      { numRuns: 1500 },
    );
  });

  it('a mixed-case address with a wrong checksum is refused', () => {
    fc.assert(
      fc.property(arbTask, (t) => {
        const good = t.requester;
        const flipped = good.replace(/[a-f]/, (c) => c.toUpperCase());
        if (flipped === good || /^[0-9A-F]+$/.test(flipped.slice(2))) return;
        expect(outcome(() => parseTask({ ...taskToJson(t), requester: flipped }))).toEqual({ code: 'ERR_TASK_INVALID' });
      }),
      { numRuns: 100 },
    );
  });
});

describe('parseTaskCreatedLog', () => {
  const iface = new Interface([`event TaskCreated(uint64 indexed taskId, bytes32 indexed taskHash, ${TASK_ABI_TUPLE} task, bytes input)`]);
  const oracle = '0x610178dA211FEF7D417bC0e6FeD39F05609AD788';
  const logOf = (t: Task, input: Uint8Array, hash = taskHash(t)): LogLike => {
    const e = iface.encodeEventLog('TaskCreated', [t.taskId, hash, taskAbiValue(t), input]);
    return { address: oracle, topics: e.topics, data: e.data, blockNumber: 5, transactionHash: `0x${'ab'.repeat(32)}`, index: 0 };
  };
  const code = (f: () => unknown): string | null => {
    try {
      f();
      return null;
    } catch (err) {
      return isAioracleError(err) ? err.code : String(err);
    }
  };

  it('reads what ethers encodes, as ethers decodes it (property)', () => {
    expect(TASK_CREATED_TOPIC).toBe(iface.getEvent('TaskCreated')!.topicHash);
    fc.assert(
      fc.property(arbTask, fc.uint8Array({ maxLength: 200 }), (t, input) => {
        const log = logOf(t, input);
        const got = parseTaskCreatedLog(log, oracle.toLowerCase());
        const ref = iface.parseLog(log)!;
        expect(got.task).toEqual(parseTaskWithSchema(ref.args.getValue('task')));
        expect(got.task).toEqual(t);
        expect(hexlify(got.input)).toBe(hexlify(ref.args.getValue('input') as string));
        expect(got.taskHash).toBe(taskHash(t));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses non-canonical or tampered logs with ERR_CHAIN_LOG_INVALID (property over every byte)', () => {
    const t: Task = parseTaskWithSchema({ ...taskToJson(fc.sample(arbTask, { numRuns: 1, seed: 7 })[0]!), quorumNumbers: [0, 3], quorumThresholdBps: [6667, 7000] });
    const log = logOf(t, Uint8Array.from([1, 2, 3]));
    const data = hexToBytes(log.data);
    // Every single-byte change of the data outside the input's own bytes is refused (offsets, lengths,
    // padding, high bytes, or a task whose hash disagrees with the emitted topic). The input bytes
    // are not under the task hash: a change there decodes, to other input bytes, which the
    // operator's inputHash check then refuses (batchProcessor/taskProcessor).
    const inputStart = data.length - 32;
    for (let i = 0; i < data.length; i++) {
      const d = Uint8Array.from(data);
      d[i] = d[i]! ^ 0x01;
      const tampered = { ...log, data: bytesToHex(d) };
      if (i >= inputStart && i < inputStart + 3) {
        expect(parseTaskCreatedLog(tampered, oracle).input).not.toEqual(Uint8Array.from([1, 2, 3]));
      } else {
        expect({ i, code: code(() => parseTaskCreatedLog(tampered, oracle)) }).toEqual({ i, code: 'ERR_CHAIN_LOG_INVALID' });
      }
    }
    expect(code(() => parseTaskCreatedLog({ ...log, data: `${log.data}00` }, oracle))).toBe('ERR_CHAIN_LOG_INVALID');
    expect(code(() => parseTaskCreatedLog({ ...log, data: `${log.data}${'00'.repeat(32)}` }, oracle))).toBe('ERR_CHAIN_LOG_INVALID');
    expect(code(() => parseTaskCreatedLog({ ...log, topics: [log.topics[0]!, log.topics[1]!, modelIdFor('x', '1')] }, oracle))).toBe('ERR_CHAIN_LOG_INVALID');
    expect(code(() => parseTaskCreatedLog({ ...log, topics: [log.topics[0]!, `0x${'00'.repeat(31)}09`, log.topics[2]!] }, oracle))).toBe('ERR_CHAIN_LOG_INVALID');
    expect(code(() => parseTaskCreatedLog({ ...log, topics: [modelIdFor('y', '1'), log.topics[1]!, log.topics[2]!] }, oracle))).toBe('ERR_CHAIN_LOG_INVALID');
    expect(code(() => parseTaskCreatedLog({ ...log, address: `0x${'11'.repeat(20)}` }, oracle))).toBe('ERR_CHAIN_LOG_INVALID');
    expect(code(() => parseTaskCreatedLog(log, oracle))).toBeNull();
  });
});

describe('parseTaskRespondedLog', () => {
  const iface = InferenceOracle__factory.createInterface();
  const oracle = '0x610178dA211FEF7D417bC0e6FeD39F05609AD788';
  const u96 = fc.bigInt({ min: 0n, max: 2n ** 96n - 1n });
  it('reads what ethers encodes, and refuses a tampered output or stake (property)', () => {
    expect(TASK_RESPONDED_TOPIC).toBe(iface.getEvent('TaskResponded')!.topicHash);
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }), hex(32), fc.uint8Array({ maxLength: 100 }), fc.array(fc.tuple(u96, u96), { minLength: 1, maxLength: 4 }), hex(32), (taskId, th, output, stakes, srh) => {
        const e = iface.encodeEventLog('TaskResponded', [taskId, th, keccak256(output), output, stakes.map((s) => s[0]), stakes.map((s) => s[1]), srh]);
        const log: LogLike = { address: oracle, topics: e.topics, data: e.data, blockNumber: 9, transactionHash: `0x${'cd'.repeat(32)}`, index: 1 };
        const r = parseTaskRespondedLog(log, oracle);
        expect(r).toMatchObject({ taskId, taskHash: th, outputHash: keccak256(output), signedStake: stakes.map((s) => s[0]), totalStake: stakes.map((s) => s[1]), signatoryRecordHash: srh, blockNumber: 9 });
        expect(hexlify(r.output)).toBe(hexlify(output));
        const d = hexToBytes(e.data);
        d[d.length - 1] = d[d.length - 1]! ^ 1; // the last stake word
        const flipped = { ...log, data: bytesToHex(d) };
        const after = (() => {
          try {
            return parseTaskRespondedLog(flipped, oracle).totalStake;
          } catch (err) {
            return isAioracleError(err, 'ERR_CHAIN_LOG_INVALID') ? 'refused' : err;
          }
        })();
        expect(after).not.toEqual(stakes.map((s) => s[1]));
        if (output.length > 0) {
          const o = hexToBytes(e.data);
          o[5 * 32 + 32] = o[5 * 32 + 32]! ^ 1; // the first output byte: outputHash no longer matches
          expect(() => parseTaskRespondedLog({ ...log, data: bytesToHex(o) }, oracle)).toThrow(/outputHash is not keccak256/);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('encodeRequestInference', () => {
  it('is ethers\' encodeFunctionData byte for byte (property), and refuses bad arguments', () => {
    const iface = InferenceOracle__factory.createInterface();
    fc.assert(
      fc.property(hex(32), fc.uint8Array({ maxLength: 300 }), hex(20), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (m, input, cb, gas) => {
        expect(encodeRequestInference(m, input, cb, gas)).toBe(iface.encodeFunctionData('requestInference', [m, input, cb, gas]));
      }),
      { numRuns: 200 },
    );
    expect(() => encodeRequestInference('0x12', new Uint8Array(), `0x${'00'.repeat(20)}`, 0)).toThrow(/modelId/);
    expect(() => encodeRequestInference(`0x${'00'.repeat(32)}`, new Uint8Array(), '0x1', 0)).toThrow(/callback/);
    expect(() => encodeRequestInference(`0x${'00'.repeat(32)}`, new Uint8Array(), `0x${'00'.repeat(20)}`, -1)).toThrow(/callbackGasLimit/);
  });
});
