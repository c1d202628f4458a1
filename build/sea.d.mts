// Types for build/sea.mjs (imported by the tests).
export declare const SEA_NODE_VERSION: string;
export declare const SEA_NODE_SHA256: Record<'linux-x64' | 'win-x64', string>;
export declare const SEA_SENTINEL_FUSE: string;
export declare const SEA_RESOURCE: string;
export declare const SEA_TARGETS: ReadonlyArray<{ platform: 'linux-x64' | 'win-x64'; binary: string; output: string }>;

export interface SeaConfig {
  main: string;
  output: string;
  disableExperimentalSEAWarning: true;
  useSnapshot: false;
  useCodeCache: false;
  execArgv: string[];
  execArgvExtension: 'none';
}
export declare function seaConfig(main: string, output: string): SeaConfig;
export declare function nonBuiltinRequires(bundleText: string): string[];
export declare function peChecksum(image: Buffer): number;
export declare function fixPeChecksum(file: string): Promise<void>;

export interface Signing {
  cert: string;
  key: string;
  passFile: string | null;
  timestampUrl: string | null;
}
export declare function signingFromEnv(env: Record<string, string | undefined>): Signing | null;
export declare function signArgs(signing: Signing, input: string, output: string): string[];
export declare function signWindowsExecutable(file: string, signing: Signing): Promise<void>;

export declare function nodeBinary(options: {
  root: string;
  platform: 'linux-x64' | 'win-x64';
  binary: string;
  log?: (message: string) => void;
}): Promise<string>;

export declare function buildExecutables(options: {
  root: string;
  bundle: string;
  env?: Record<string, string | undefined>;
  log?: (message: string) => void;
}): Promise<string[]>;
