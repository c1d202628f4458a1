/** Replaced at bundle time by build.mjs with package.json's version. */
declare const __AVIMARK_BACKUP_VERSION__: string;

declare module '*.ps1' {
  const text: string;
  export default text;
}
declare module '*.psm1' {
  const text: string;
  export default text;
}

/**
 * Replaced at bundle time by build/bundle.mjs: true in the bundle the tests run, false in the one the single
 * executables are made from, so test-only code behind it (the kill hook in lockout/session.ts) does not ship.
 */
declare const __AVB_TEST_HOOKS__: boolean;
