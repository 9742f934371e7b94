import { describe, expect, it } from '@jest/globals';
import { AbiCoder, Interface, keccak256, toUtf8Bytes, ZeroAddress } from 'ethers';
import fc from 'fast-check';
import { arbTask } from './arbitraries.js';
import { isAioracleError } from '../../src/errors.js';
import {
  PROFILES,
  RESPONSE_TYPEHASH,
  TASK_ABI_TUPLE,
  taskAbiValue,
  computeResponseTypehash,
  decodeTask,
  encodeTask,
  inputHash,
  modelIdFor,
  outputHash,
  parseTask,
  profileFromId,
  profileId,
  responseDigest,
  taskFromJson,
  taskHash,
  taskToJson,
  type Task,
} from '../../src/protocol/index.js';

const task: Task = {
  taskId: 7n,
  modelId: modelIdFor('mlp-int8', '1.0.0'),
  requester: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  inputHash: keccak256(Uint8Array.from([1, 1, 0, 0, 0, 42])) as `0x${string}`,
  referenceBlock: 99,
  deadlineBlock: 199,
  fee: 10n ** 15n,
  callback: ZeroAddress as `0x${string}`,
  callbackGasLimit: 200_000,
  feedId: 0n,
  quorumNumbers: [0, 1],
  quorumThresholdBps: [6667, 5000],
};

// The golden vector for the Solidity side: abi.encode(task) of the task above hashes to this.
const GOLDEN_TASK_HASH = '0xf443e485c39ce33cd92e7820b05c2175d0165dc057fb04edbe8d06dc96e015d0';

const expectCode = (fn: () => unknown, code: string) => {
  try {
    fn();
  } catch (err) {
    expect(isAioracleError(err, code) ? code : err).toBe(code);
    return err as Error;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
};

describe('protocol constants and hashes', () => {
  it('RESPONSE_TYPEHASH is keccak256 of the type string', () => {
    expect(RESPONSE_TYPEHASH).toBe(keccak256(toUtf8Bytes('AIOracleResponse(uint256 chainId,address oracle,bytes32 taskHash,bytes32 outputHash)')));
    expect(computeResponseTypehash()).toBe(RESPONSE_TYPEHASH);
  });

  it('modelIdFor is keccak256(name@version)', () => {
    expect(modelIdFor('mlp-int8', '1.0.0')).toBe(keccak256(toUtf8Bytes('mlp-int8@1.0.0')));
    expect(modelIdFor('mlp-int8', '1.0.1')).not.toBe(modelIdFor('mlp-int8', '1.0.0'));
  });

  it('inputHash and outputHash are keccak256 of the bytes', () => {
    const b = Uint8Array.from([1, 2, 3]);
    expect(inputHash(b)).toBe(keccak256(b));
    expect(outputHash(b)).toBe(keccak256(b));
  });

  it('maps profiles to their on-chain ids and back', () => {
    expect(PROFILES.map(profileId)).toEqual([0, 1, 2]);
    expect(profileId('exact-int')).toBe(0);
    expect(profileId('exact-wasm')).toBe(1);
    expect(profileId('tolerant')).toBe(2);
    expect([0, 1, 2n].map(profileFromId)).toEqual(['exact-int', 'exact-wasm', 'tolerant']);
    for (const bad of [3, -1, 1.5, 256n]) expectCode(() => profileFromId(bad), 'ERR_PROFILE_UNKNOWN');
  });
});

describe('taskHash', () => {
  it('equals keccak256 of an independent ethers encoding (golden vector)', () => {
    const types = 'tuple(uint64,bytes32,address,bytes32,uint32,uint32,uint96,address,uint32,uint64,bytes,uint16[])';
    const encoded = AbiCoder.defaultAbiCoder().encode(
      [types],
      [[7n, task.modelId, task.requester, task.inputHash, 99, 199, 10n ** 15n, ZeroAddress, 200000, 0n, '0x0001', [6667, 5000]]],
    );
    expect(encodeTask(task)).toBe(encoded);
    expect(taskHash(task)).toBe(keccak256(encoded));
    expect(taskHash(task)).toBe(GOLDEN_TASK_HASH);
  });

  it('changes when any field changes', () => {
    const variants: Partial<Task>[] = [
      { taskId: 8n }, { modelId: modelIdFor('x', '1') }, { requester: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' },
      { inputHash: keccak256('0x00') as `0x${string}` }, { referenceBlock: 98 }, { deadlineBlock: 200 }, { fee: 1n },
      { callback: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' }, { callbackGasLimit: 1 }, { feedId: 1n },
      { quorumNumbers: [0, 2] }, { quorumThresholdBps: [6667, 5001] },
    ];
    for (const v of variants) expect({ v, h: taskHash({ ...task, ...v }) }).not.toEqual({ v, h: GOLDEN_TASK_HASH });
  });

  it('TASK_ABI_TUPLE parses as the TaskCreated event parameter and round-trips through a log', () => {
    const iface = new Interface([`event TaskCreated(uint64 indexed taskId, bytes32 indexed taskHash, ${TASK_ABI_TUPLE} task, bytes input)`]);
    const log = iface.encodeEventLog('TaskCreated', [task.taskId, taskHash(task), { ...task, quorumNumbers: '0x0001' }, '0x01']);
    const parsed = iface.parseLog(log);
    expect(parsed).not.toBeNull();
    expect(parseTask(parsed?.args.task)).toEqual(task);
  });

  it('decodeTask inverts encodeTask and rejects junk', () => {
    expect(decodeTask(encodeTask(task))).toEqual(task);
    expectCode(() => decodeTask('0x1234'), 'ERR_TASK_INVALID');
  });
});

describe('parseTask / JSON form', () => {
  it('round-trips through JSON text', () => {
    const json = JSON.stringify(taskToJson(task));
    expect(JSON.parse(json)).toMatchObject({ taskId: '7', fee: '1000000000000000', feedId: '0', quorumNumbers: [0, 1] });
    expect(taskFromJson(json)).toEqual(task);
  });

  it('normalises addresses to checksum case and hashes to lowercase', () => {
    const t = parseTask({ ...taskToJson(task), requester: task.requester.toLowerCase(), modelId: task.modelId.toUpperCase().replace('0X', '0x') });
    expect(t.requester).toBe(task.requester);
    expect(t.modelId).toBe(task.modelId);
    expect(parseTask({ ...taskToJson(task), quorumNumbers: '0x0001' }).quorumNumbers).toEqual([0, 1]);
  });

  it('round-trips arbitrary valid tasks (property)', () => {
    fc.assert(
      fc.property(arbTask, (t) => {
        expect(taskFromJson(JSON.stringify(taskToJson(t)))).toEqual(t);
        expect(decodeTask(encodeTask(t))).toEqual(t);
        // The hand-written encoder is byte-for-byte ethers' general ABI encoder.
        const reference = AbiCoder.defaultAbiCoder().encode([TASK_ABI_TUPLE], [taskAbiValue(t)]);
        expect(encodeTask(t)).toBe(reference);
        expect(taskHash(t)).toBe(keccak256(reference));
      }),
      { numRuns: 200 },
    );
  });

  it('rejects bad task data with ERR_TASK_INVALID naming the field', () => {
    const base = taskToJson(task);
    const cases: [Record<string, unknown>, string][] = [
      [{ taskId: '0' }, 'taskId'],
      [{ taskId: '-1' }, 'taskId'],
      [{ taskId: (2n ** 64n).toString() }, 'taskId'],
      [{ modelId: '0x1234' }, 'modelId'],
      [{ requester: 'not an address' }, 'requester'],
      [{ requester: '0x70997970c51812dc3a010c7d01b50e0d17dc79C8' }, 'requester'], // bad checksum
      [{ referenceBlock: 1.5 }, 'referenceBlock'],
      [{ deadlineBlock: 99 }, 'deadlineBlock'],
      [{ fee: (2n ** 96n).toString() }, 'fee'],
      [{ callbackGasLimit: -1 }, 'callbackGasLimit'],
      [{ quorumNumbers: [] }, 'quorumNumbers'],
      [{ quorumNumbers: [1, 0] }, 'quorumNumbers'],
      [{ quorumNumbers: [0, 0] }, 'quorumNumbers'],
      [{ quorumNumbers: [0, 256] }, 'quorumNumbers'],
      [{ quorumNumbers: '0x0' }, 'quorumNumbers'],
      [{ quorumThresholdBps: [6667] }, 'quorumThresholdBps'],
      [{ quorumThresholdBps: [0, 5000] }, 'quorumThresholdBps'],
      [{ quorumThresholdBps: [10001, 5000] }, 'quorumThresholdBps'],
      [{ extra: 1 }, 'extra'],
    ];
    for (const [patch, field] of cases) {
      const err = expectCode(() => parseTask({ ...base, ...patch }), 'ERR_TASK_INVALID');
      expect({ patch, message: err.message }).toEqual({ patch, message: expect.stringContaining(field) });
      expect(err.message.startsWith('Validation failed: ')).toBe(true);
    }
    for (const junk of [null, 42, 'x', [], '{"taskId":', undefined]) expectCode(() => taskFromJson(junk), 'ERR_TASK_INVALID');
  });

  it('never crashes on arbitrary JSON values (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expectCode(() => parseTask(v), 'ERR_TASK_INVALID');
      }),
      { numRuns: 200 },
    );
  });
});

describe('responseDigest', () => {
  const params = {
    chainId: 31337n,
    oracle: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    taskHash: GOLDEN_TASK_HASH,
    outputHash: keccak256('0x0101000000'),
  };

  it('is keccak256(abi.encode(RESPONSE_TYPEHASH, chainId, oracle, taskHash, outputHash))', () => {
    const expected = keccak256(
      AbiCoder.defaultAbiCoder().encode(
        ['bytes32', 'uint256', 'address', 'bytes32', 'bytes32'],
        [keccak256(toUtf8Bytes('AIOracleResponse(uint256 chainId,address oracle,bytes32 taskHash,bytes32 outputHash)')), 31337n, params.oracle, params.taskHash, params.outputHash],
      ),
    );
    expect(responseDigest(params)).toBe(expected);
    expect(responseDigest({ ...params, chainId: 31337 })).toBe(expected);
  });

  it('binds every field', () => {
    const base = responseDigest(params);
    const changed = [
      { chainId: 1n },
      { oracle: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' },
      { taskHash: keccak256('0x01') },
      { outputHash: keccak256('0x0101000001') },
    ];
    const digests = changed.map((c) => responseDigest({ ...params, ...c }));
    for (const [i, d] of digests.entries()) expect({ i, d }).not.toEqual({ i, d: base });
    expect(new Set(digests).size).toBe(digests.length);
  });

  it('rejects malformed inputs with ERR_DIGEST_INPUT_INVALID', () => {
    for (const patch of [{ chainId: -1n }, { chainId: 1.5 }, { oracle: '0x1234' }, { taskHash: '0x12' }, { outputHash: 'zz' }]) {
      expectCode(() => responseDigest({ ...params, ...patch } as typeof params), 'ERR_DIGEST_INPUT_INVALID');
    }
  });
});
