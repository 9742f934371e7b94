#!/usr/bin/env node
/**
 * aioracle-aggregator: the process entry point. Reads the config (defaults < YAML < AIORACLE_* env <
 * CLI), decrypts the submitter keystore (password from a file or env, never the command line),
 * starts the service and wires SIGINT/SIGTERM to a graceful shutdown.
 */
import { Command } from 'commander';
import { pino, transport } from 'pino';
import { ShutdownRegistry, errorChain, initBls } from '@aioracle/sdk';
import { aggregatorConfigSchema, loadConfig } from '@aioracle/config';
import { startAggregator } from '../service.js';
import { loadSubmitterKey } from '../submitterKey.js';

const program = new Command();
program
  .name('aioracle-aggregator')
  .description('AI Oracle AVS aggregator: collects signed responses, reaches quorum, submits, slashes dissent, expires tasks.')
  .showHelpAfterError();

program
  .command('run')
  .description('run the aggregator service')
  .option('-c, --config <file>', 'YAML config file (see README.md for every field)')
  .option('--rpc <url>', 'override eth_rpc_url')
  .option('--port <n>', 'override api.port', (v) => Number(v))
  .option('--redis <url>', 'override redis.url')
  .option('--log-level <level>', 'override log.level')
  .addHelpText(
    'after',
    `
Examples:
  $ AIORACLE_SUBMITTER_PASSWORD=... aioracle-aggregator run --config aggregator.yaml
  $ AIORACLE_API__PORT=9000 aioracle-aggregator run -c aggregator.yaml --log-level debug

The submitter key is read from submitter.keystore_file; its password from submitter.password_file or
the environment variable named by submitter.password_env (default AIORACLE_SUBMITTER_PASSWORD).
Exit codes: 0 clean shutdown, 1 runtime failure, 2 invalid configuration.`,
  )
  .action(async (opts: { config?: string; rpc?: string; port?: number; redis?: string; logLevel?: string }) => {
    let cfg;
    try {
      cfg = loadConfig({
        schema: aggregatorConfigSchema,
        file: opts.config,
        overrides: { eth_rpc_url: opts.rpc, 'api.port': opts.port, 'redis.url': opts.redis, 'log.level': opts.logLevel },
      });
    } catch (err) {
      console.error(errorChain(err).join('\n  caused by: '));
      process.exit(2);
    }
    const logger = pino({ level: cfg.log.level, base: { component: 'aggregator' } }, cfg.log.pretty ? transport({ target: 'pino-pretty' }) : undefined);
    const shutdown = new ShutdownRegistry();
    try {
      await initBls();
      const key = await loadSubmitterKey({ keystoreFile: cfg.submitter.keystore_file, passwordFile: cfg.submitter.password_file, passwordEnv: cfg.submitter.password_env });
      await startAggregator(cfg, { logger, submitterKey: key, shutdown });
    } catch (err) {
      logger.fatal({ err: errorChain(err) }, 'aggregator failed to start');
      await shutdown.shutdown(2000);
      process.exit(1);
    }
    shutdown.installSignalHandlers((report, signal) => {
      logger.info({ signal, failed: report.failed.map((f) => f.name), timedOut: report.timedOut }, 'aggregator stopped');
      process.exit(report.failed.length > 0 || report.timedOut ? 1 : 0);
    }, cfg.shutdown_grace_ms);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(errorChain(err).join('\n  caused by: '));
  process.exit(1);
});
