/**
 * Worker threads on a module of this repository, built or not. A built module (`.js`) is started
 * as is. A TypeScript source (`.ts`: tests, benches and development run the sources through tsx)
 * needs tsx's loader, which a worker thread does not inherit from its parent: the thread then
 * starts on a two-line bootstrap that registers tsx and imports the module.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The URL of `name` (without extension) beside the module at `from`, with that module's extension. */
export function siblingModule(from: string, name: string): URL {
  return new URL(`./${name}${from.endsWith('.ts') ? '.ts' : '.js'}`, from);
}

/** Starts a worker thread on the module at `url` (see the file comment). */
export function startModuleWorker(url: URL, opts: WorkerOptions = {}): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, opts);
  const code = `const { register } = await import(${JSON.stringify(tsxEsmApi())}); register(); await import(${JSON.stringify(url.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), opts);
}

/** The file URL of tsx's ESM API (`tsx/esm/api`, import condition), found from tsx's package.json. */
function tsxEsmApi(): string {
  const pkgFile = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(pkgFile), pkg.exports['./esm/api']!.import.default)).href;
}
