// Types for build/node-flags.mjs (imported by build/sea.mjs, the bench and the tests).
export declare const NODE_FLAGS: readonly string[];
