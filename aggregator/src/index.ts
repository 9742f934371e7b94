/** @aioracle/aggregator: see README.md. Public entry points are re-exported here. */
export {};
