/**
 * onnxruntime, pinned by profile. The implementation lives in the sdk (`sdk/src/runtime`) so that
 * clients and auditors re-run models exactly as operators do; re-exported here for the operator's
 * public API.
 */
export { createSession, ortNode, ortWeb, runtimeFor, type CreateSessionOptions, type InferenceSessionLike, type TensorCtor } from '@aioracle/sdk';
