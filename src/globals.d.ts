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
