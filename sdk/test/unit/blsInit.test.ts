// Runs in its own module registry (jest isolates test files), so nothing is initialised yet.
import { blsBackendName, blsSign, BlsSecretKey, g1FromSolidity, hashToG1, initBls } from '../../src/bls/index.js';

describe('initBls', () => {
  it('BLS functions throw ERR_BLS_NOT_INITIALIZED before init', () => {
    expect(blsBackendName()).toBeNull();
    expect(() => hashToG1(`0x${'00'.repeat(32)}`)).toThrow(expect.objectContaining({ code: 'ERR_BLS_NOT_INITIALIZED' }));
    expect(() => g1FromSolidity([1n, 2n])).toThrow(expect.objectContaining({ code: 'ERR_BLS_NOT_INITIALIZED' }));
    expect(() => blsSign(BlsSecretKey.fromBigInt(1n), `0x${'00'.repeat(32)}`)).toThrow(/initBls/);
  });

  it('is idempotent, defaults to mcl, switches backends, and rejects unknown names', async () => {
    await expect(Promise.all([initBls(), initBls()])).resolves.toEqual(['mcl', 'mcl']);
    expect(blsBackendName()).toBe('mcl');
    const made = g1FromSolidity([1n, 2n]);
    await initBls({ backend: 'noble' });
    expect(blsBackendName()).toBe('noble');
    // points made under mcl keep working under noble
    expect(g1FromSolidity([1n, 2n]).equals(made)).toBe(true);
    await expect(initBls({ backend: 'gnark' as 'mcl' })).rejects.toMatchObject({ code: 'ERR_BLS_INVALID_ARGUMENT' });
    expect(blsBackendName()).toBe('noble');
  });
});
