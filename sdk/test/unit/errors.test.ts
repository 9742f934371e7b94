import { AioracleError, errorChain, isAioracleError } from '../../src/errors.js';

describe('AioracleError', () => {
  it('keeps code, details, retryable and the cause chain', () => {
    const inner = new Error('socket closed');
    const err = new AioracleError('ERR_RPC', 'chain unreachable', { cause: inner, details: { url: 'x' }, retryable: true });
    expect(err.code).toBe('ERR_RPC');
    expect(err.retryable).toBe(true);
    expect(err.cause).toBe(inner);
    expect(isAioracleError(err, 'ERR_RPC')).toBe(true);
    expect(isAioracleError(err, 'ERR_OTHER')).toBe(false);
    expect(isAioracleError(inner)).toBe(false);
    expect(errorChain(err)).toEqual(['ERR_RPC: chain unreachable', 'socket closed']);
    expect(JSON.parse(JSON.stringify(err))).toEqual({ code: 'ERR_RPC', message: 'chain unreachable', details: { url: 'x' } });
  });
  it('defaults to non-retryable', () => {
    expect(new AioracleError('ERR_X', 'x').retryable).toBe(false);
  });
});
