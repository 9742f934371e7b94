/** The operator's version (reported by GET /eigen/node and `--version`). */
export const OPERATOR_VERSION = '0.1.0';
