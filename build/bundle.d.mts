// Types for build/bundle.mjs (imported by the tests).
import type { BuildOptions } from 'esbuild';

export interface Entry {
  in: string;
  out: string;
}
export declare const ENTRIES: readonly Entry[];
export declare const PRODUCTION_ENTRY: Entry;
export declare function bundleOptions(root: string, entry: Entry, options: { testHooks: boolean }): BuildOptions;
export declare function asciiOnly(text: string): string;
export declare function writeBundle(root: string, entry: Entry, options: { testHooks: boolean }): Promise<void>;
