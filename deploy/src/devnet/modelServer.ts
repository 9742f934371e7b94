/**
 * The devnet's model host: a local HTTP server over one folder, so that models are registered on chain
 * with an http:// URI and operators get them the way they would on a real network (`models pull`,
 * `models.auto_pull`: fetch, verify against the ModelRegistry, install). GET only, files under the root
 * only (no `..`), Content-Length set.
 */
import { createReadStream, statSync } from 'node:fs';
import { normalize, resolve, sep } from 'node:path';
import { serveHttp } from '@aioracle/sdk';

/** A running model server. */
export interface ModelServer {
  /** Base URL, no trailing slash (http://127.0.0.1:PORT). */
  url: string;
  /** The folder it serves. */
  root: string;
  stop: () => Promise<void>;
}

/** Serves the files of `root` on 127.0.0.1 (a free port). */
export async function startModelServer(root: string): Promise<ModelServer> {
  const base = resolve(root);
  const server = await serveHttp((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.statusCode = 405;
      return res.end();
    }
    let path: string;
    try {
      path = resolve(base, `.${normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname))}`);
    } catch {
      res.statusCode = 400;
      return res.end();
    }
    if (!path.startsWith(base + sep)) {
      res.statusCode = 404;
      return res.end();
    }
    let size: number;
    try {
      const st = statSync(path);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      res.statusCode = 404;
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
    if (req.method === 'HEAD') return res.end();
    createReadStream(path).pipe(res);
  });
  return { url: server.url, root: base, stop: server.close };
}
