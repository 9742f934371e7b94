/**
 * The `export AIORACLE_…` lines that point the client CLI (`npx aioracle`) at a running devnet: the
 * live view, the line-mode log and the `--json` summary all print these same lines, so what a user
 * pastes is what the README's tour shows. The key is anvil's public dev account 3, funded and left
 * to clients: printing it is fine on a devnet (keys still never go in arguments).
 */

/** What the lines need from a devnet. */
export interface ClientEnvSource {
  deploymentFile: string;
  rpcUrl: string;
  clientKey: string;
}

/** Quotes a value for a POSIX shell only when it needs it (paths with spaces and the like). */
const sh = (v: string): string => (/^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replaceAll("'", `'\\''`)}'`);

/**
 * The two lines to paste into a shell, in the README's order.
 * @example clientExports(devnet) // ['export AIORACLE_DEPLOYMENT=/…/31337.json AIORACLE_RPC_URL=http://127.0.0.1:8545', 'export AIORACLE_PRIVATE_KEY=0x…']
 */
export function clientExports(d: ClientEnvSource): string[] {
  return [`export AIORACLE_DEPLOYMENT=${sh(d.deploymentFile)} AIORACLE_RPC_URL=${sh(d.rpcUrl)}`, `export AIORACLE_PRIVATE_KEY=${sh(d.clientKey)}`];
}
