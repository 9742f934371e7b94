import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isAioracleError } from '../../src/errors.js';
import { manifestHash, parseManifest } from '../../src/manifest/index.js';
import { manifestUriOf, modelUriAllowed, pullModel, scanModels, sha256File, type ModelRecord } from '../../src/runtime/index.js';

const SRC = resolve(process.cwd(), '..', 'config', 'models', 'liquidation-risk');
const manifestText = readFileSync(join(SRC, 'manifest.json'), 'utf8');
const manifest = parseManifest(JSON.parse(manifestText));
const onnx = readFileSync(join(SRC, manifest.onnx.file));
const record = (uri: string): ModelRecord => ({ modelId: (scanModels(SRC)[0]!.modelId), manifestHash: manifestHash(manifest), onnxHash: sha256File(join(SRC, manifest.onnx.file)), uri });

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return isAioracleError(err) ? err.code : `not an AioracleError: ${String(err)}`;
  }
  return undefined;
}

describe('pullModel', () => {
  let server: Server;
  let base: string;
  let dir: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const u = req.url ?? '';
      if (u === '/good/manifest.json' || u === '/bad-onnx/manifest.json') return res.end(manifestText);
      if (u === '/good/model.onnx') return res.end(onnx);
      if (u === '/bad-onnx/model.onnx') return res.end(Buffer.concat([onnx, Buffer.from([0])]));
      if (u === '/other-manifest/manifest.json') return res.end(manifestText.replace('"fee"', '"description": "tampered", "fee"'));
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pull-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fetches over HTTP, verifies against the record and installs <name>@<version> atomically; a second pull is a no-op', async () => {
    const r = await pullModel(record(`${base}/good/model.onnx`), { dir, maxBytes: 1 << 20 });
    expect(r).toMatchObject({ installed: true, model: `${manifest.name}@${manifest.version}`, onnxBytes: onnx.length });
    expect(readdirSync(dir)).toEqual([`${manifest.name}@${manifest.version}`]);
    expect(scanModels(dir).map((m) => m.modelId)).toEqual([record('').modelId]);
    expect((await pullModel(record(`${base}/good/model.onnx`), { dir, maxBytes: 1 << 20 })).installed).toBe(false);
  });

  it('installs from file://', async () => {
    const r = await pullModel(record(pathToFileURL(join(SRC, 'model.onnx')).toString()), { dir, maxBytes: 1 << 20 });
    expect(r.installed).toBe(true);
  });

  it.each([
    ['an ONNX file that does not hash to the record', '/bad-onnx/model.onnx', 'ERR_MODEL_INTEGRITY'],
    ['a manifest that does not hash to the record', '/other-manifest/model.onnx', 'ERR_MODEL_INTEGRITY'],
    ['a URI that is not served', '/missing/model.onnx', 'ERR_MODEL_FETCH'],
  ])('refuses %s and installs nothing', async (_what, path, code) => {
    expect(await codeOf(pullModel(record(`${base}${path}`), { dir, maxBytes: 1 << 20 }))).toBe(code);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a file over the cap, a URI outside the allow-list, and a record whose hash differs', async () => {
    expect(await codeOf(pullModel(record(`${base}/good/model.onnx`), { dir, maxBytes: 100 }))).toBe('ERR_MODEL_FETCH');
    expect(await codeOf(pullModel(record(`${base}/good/model.onnx`), { dir, maxBytes: 1 << 20, allow: ['https://models.example.org/'] }))).toBe('ERR_MODEL_FETCH');
    expect(await codeOf(pullModel({ ...record(`${base}/good/model.onnx`), onnxHash: `0x${'00'.repeat(32)}` }, { dir, maxBytes: 1 << 20 }))).toBe('ERR_MODEL_INTEGRITY');
    expect(existsSync(join(dir, `${manifest.name}@${manifest.version}`))).toBe(false);
  });

  it('derives the manifest URI and checks schemes', () => {
    expect(manifestUriOf('https://h/a/b/model.onnx')).toBe('https://h/a/b/manifest.json');
    expect(manifestUriOf('ipfs://bafy/model.onnx')).toBe('ipfs://bafy/manifest.json');
    expect(modelUriAllowed('ftp://h/m.onnx', undefined)).toBe(false);
    expect(modelUriAllowed('ipfs://bafy/m.onnx', ['ipfs://'])).toBe(true);
  });
});
