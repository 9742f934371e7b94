import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isAioracleError } from '../../src/errors.js';
import { serveHttp, type LocalHttpServer } from '../../src/util/net.js';
import { manifestHash, parseManifest } from '../../src/manifest/index.js';
import { installModelDir, manifestUriOf, modelUriAllowed, pullModel, scanModels, sha256File, type InstallFs, type ModelRecord } from '../../src/runtime/index.js';

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
  let server: LocalHttpServer;
  let base: string;
  let dir: string;
  beforeAll(async () => {
    server = await serveHttp((req, res) => {
      const u = req.url ?? '';
      if (u === '/good/manifest.json' || u === '/bad-onnx/manifest.json') return res.end(manifestText);
      if (u === '/good/model.onnx') return res.end(onnx);
      if (u === '/bad-onnx/model.onnx') return res.end(Buffer.concat([onnx, Buffer.from([0])]));
      if (u === '/other-manifest/manifest.json') return res.end(manifestText.replace('"fee"', '"description": "tampered", "fee"'));
      res.statusCode = 404;
      res.end();
    });
    base = server.url;
  });
  afterAll(async () => {
    await server.close();
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

  it('replaces an installed copy that does not verify: swapped out whole, nothing left behind', async () => {
    const target = join(dir, `${manifest.name}@${manifest.version}`);
    cpSync(SRC, target, { recursive: true });
    writeFileSync(join(target, manifest.onnx.file), Buffer.concat([onnx, Buffer.from([0])])); // a copy that fails its hash check
    const r = await pullModel(record(`${base}/good/model.onnx`), { dir, maxBytes: 1 << 20 });
    expect({ installed: r.installed, dir: r.dir }).toEqual({ installed: true, dir: target });
    expect(readFileSync(join(target, manifest.onnx.file)).equals(onnx)).toBe(true);
    expect(readdirSync(dir)).toEqual([`${manifest.name}@${manifest.version}`]); // no .pull-* nor .trash-* folder
    expect((await pullModel(record(`${base}/good/model.onnx`), { dir, maxBytes: 1 << 20 })).installed).toBe(false);
  });

  it('derives the manifest URI and checks schemes', () => {
    expect(manifestUriOf('https://h/a/b/model.onnx')).toBe('https://h/a/b/manifest.json');
    expect(manifestUriOf('ipfs://bafy/model.onnx')).toBe('ipfs://bafy/manifest.json');
    expect(modelUriAllowed('ftp://h/m.onnx', undefined)).toBe(false);
    expect(modelUriAllowed('ipfs://bafy/m.onnx', ['ipfs://'])).toBe(true);
  });
});

describe('installModelDir: the target is at every step the whole old copy, nothing, or the whole new copy', () => {
  let dir: string;
  let target: string;
  let tmp: string;
  const OLD = { 'manifest.json': 'old manifest', 'model.onnx': 'old onnx', 'weights/extra.bin': 'old weights' };
  const NEW = { 'manifest.json': 'new manifest', 'model.onnx': 'new onnx' };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'install-'));
    target = join(dir, 'm@1.0.0');
    tmp = join(dir, '.pull-test');
    write(target, OLD);
    write(tmp, NEW);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function write(at: string, files: Record<string, string>): void {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(at, name, '..'), { recursive: true });
      writeFileSync(join(at, name), text);
    }
  }
  /** The files under `at` (relative path -> text), or null when there is no folder. */
  function tree(at: string): Record<string, string> | null {
    if (!existsSync(at)) return null;
    const out: Record<string, string> = {};
    const walk = (rel: string): void => {
      for (const e of readdirSync(join(at, rel), { withFileTypes: true })) {
        const p = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) walk(p);
        else out[p] = readFileSync(join(at, p), 'utf8');
      }
    };
    walk('');
    return out;
  }
  /** What a reader of `target` would see now. */
  function state(): 'old' | 'new' | 'absent' | string {
    const t = tree(target);
    if (t === null) return 'absent';
    if (same(t, OLD)) return 'old';
    if (same(t, NEW)) return 'new';
    return `partial ${JSON.stringify(t)}`;
  }
  const sorted = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).sort());
  const same = (a: Record<string, string>, b: Record<string, string>) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

  /**
   * Node's fs, observed: `target`'s state after every call, and rmSync done one entry at a time with the
   * state looked at after each unlink (as a reader on another thread could see it).
   */
  function observedFs(over: Partial<InstallFs> = {}): { fs: InstallFs; seen: string[]; calls: string[] } {
    const seen: string[] = [state()];
    const calls: string[] = [];
    const rel = (p: string) => (p.startsWith(dir) ? p.slice(dir.length + 1).replace(/^\.trash-[0-9a-f]+$/, '.trash-*') : p);
    const rmStepwise = (p: string): void => {
      if (!existsSync(p)) return;
      if (statSync(p).isDirectory()) {
        for (const name of readdirSync(p)) rmStepwise(join(p, name));
        rmdirSync(p);
      } else unlinkSync(p);
      seen.push(state());
    };
    const fs: InstallFs = {
      existsSync: (p) => existsSync(p),
      renameSync: (from, to) => {
        calls.push(`rename ${rel(from)} -> ${rel(to)}`);
        (over.renameSync ?? renameSync)(from, to);
        seen.push(state());
      },
      rmSync: (p, o) => {
        calls.push(`rm ${rel(p)}`);
        if (over.rmSync) over.rmSync(p, o);
        else rmStepwise(p);
      },
    };
    return { fs, seen, calls };
  }
  const distinct = (xs: string[]) => xs.filter((x, i) => i === 0 || xs[i - 1] !== x);

  it('sets the old copy aside whole, moves the new one in, and only then deletes the old one', () => {
    const o = observedFs();
    installModelDir(tmp, target, o.fs);
    expect(o.calls).toEqual(['rename m@1.0.0 -> .trash-*', 'rename .pull-test -> m@1.0.0', 'rm .trash-*']);
    // a deletion in place (rm target, then rename) would show partial states here
    expect(distinct(o.seen)).toEqual(['old', 'absent', 'new']);
    expect(readdirSync(dir)).toEqual(['m@1.0.0']);
  });

  it('with nothing installed: one rename', () => {
    rmSync(target, { recursive: true });
    const o = observedFs();
    installModelDir(tmp, target, o.fs);
    expect({ calls: o.calls, seen: distinct(o.seen) }).toEqual({ calls: ['rename .pull-test -> m@1.0.0'], seen: ['absent', 'new'] });
  });

  it('puts the old copy back when the new one cannot be moved in', () => {
    const o = observedFs({
      renameSync: (from, to) => {
        if (from === tmp) throw Object.assign(new Error('EXDEV: simulated'), { code: 'EXDEV' });
        renameSync(from, to);
      },
    });
    expect(() => installModelDir(tmp, target, o.fs)).toThrow('EXDEV: simulated');
    expect(distinct(o.seen)).toEqual(['old', 'absent', 'old']);
    expect(readdirSync(dir).sort()).toEqual(['.pull-test', 'm@1.0.0']); // the caller removes its temporary folder
  });

  it('a failed cleanup of the old copy does not fail the install', () => {
    const o = observedFs({
      rmSync: () => {
        throw Object.assign(new Error('EBUSY: simulated'), { code: 'EBUSY' });
      },
    });
    installModelDir(tmp, target, o.fs);
    expect(state()).toBe('new');
  });
});
