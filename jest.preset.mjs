// Shared jest setup for every TypeScript package: native ESM (run jest with
// --experimental-vm-modules), TypeScript compiled file-by-file by swc, and `.js` import
// specifiers mapped back to the `.ts` sources. Workspace packages resolve to their `src/`
// through the `source` export condition, so tests never need a prior build of a dependency.
/** @param {{ testTimeout?: number }} [opts] */
export function preset(opts = {}) {
  return {
    testEnvironment: 'node',
    testEnvironmentOptions: { customExportConditions: ['source', 'node', 'node-addons'] },
    extensionsToTreatAsEsm: ['.ts'],
    moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
          module: { type: 'es6' },
          sourceMaps: 'inline',
        },
      ],
    },
    testMatch: ['<rootDir>/test/**/*.test.ts'],
    testTimeout: opts.testTimeout ?? 30_000,
  };
}
