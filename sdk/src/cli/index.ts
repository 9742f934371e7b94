/** The `aioracle` client CLI, runnable in-process through {@link runCli}. */
export * from './io.js';
export * from './context.js';
export * from './modelInput.js';
export * from './commands.js';
export * from './program.js';
