import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { createServer as createHttpServer, type RequestListener, type Server as HttpServer } from 'node:http';
import { randomInt } from 'node:crypto';
import { AioracleError } from '../errors.js';

/** The kernel's ephemeral port range (Linux), or the IANA default elsewhere. */
export function ephemeralPortRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(lo) && Number.isInteger(hi) && lo! > 0 && hi! >= lo!) return [lo!, hi!];
  } catch {
    // not Linux: fall through
  }
  return [49152, 65535];
}

/** Binds `port` (0: one the kernel picks) on `host` and frees it again; the port, or null when taken. */
function bindOnce(port: number, host: string): Promise<number | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(null));
    srv.listen({ port, host, exclusive: true }, () => {
      const addr = srv.address();
      const bound = typeof addr === 'object' && addr !== null ? addr.port : null;
      srv.close(() => resolve(bound));
    });
  });
}

/**
 * A TCP port on `host` that is free now and that the kernel will not hand out on its own.
 *
 * A port taken from `listen(0)` lies in the ephemeral range, which the kernel also uses for the
 * local end of every outgoing connection; a process started seconds later on that port can find it
 * taken by some client socket (CI saw `EADDRINUSE` on a devnet operator's API port). So the port
 * is drawn at random below the ephemeral range (from 20000 up) and checked by binding it.
 * A caller still has to handle the rare case that another program binds it first.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [ephemeralLow] = ephemeralPortRange();
  const lo = 20_000;
  const hi = Math.min(ephemeralLow, 65_536) - 1;
  if (hi - lo >= 1000) {
    for (let i = 0; i < 200; i++) {
      const port = await bindOnce(randomInt(lo, hi + 1), host);
      if (port !== null) return port;
    }
  }
  // A narrow or odd range: fall back to one the kernel picks.
  const port = await bindOnce(0, host);
  if (port === null) throw new AioracleError('ERR_NO_FREE_PORT', `no free TCP port on ${host}`);
  return port;
}

/** A local HTTP server started by {@link serveHttp}. */
export interface LocalHttpServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  server: HttpServer;
  /** Drops open connections and closes the server. */
  close: () => Promise<void>;
}

/**
 * Serves `handler` on 127.0.0.1 at a port the kernel picks: the devnet's model host, and the URI and
 * beacon hosts of tests and benches.
 * @example const host = await serveHttp((req, res) => res.end('ok')); await fetch(`${host.url}/`); await host.close();
 */
export async function serveHttp(handler: RequestListener): Promise<LocalHttpServer> {
  const server = createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
