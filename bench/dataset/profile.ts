import { Random, deriveSeed } from './random';

/**
 * The shape of an AVImark Classic data folder (see ../shared/reference/avimark.md §1), as a pure plan:
 * which files, how big, how old. Names marked "sourced" appear in the reference (ETL STATUS.md/TASK.md);
 * the others are plausible filler so the folder has about a hundred tables like a real one.
 *
 * Weights are megabytes in the reference clinic (1.08 GB main DB, ~100 V2$ files); every size is
 * scaled so the whole tree adds up to the requested total.
 */

export const GIB = 1024 ** 3;
export const MIB = 1024 ** 2;

/** The default bench scale; the reference for every "per 2 GiB" count below. */
export const DEFAULT_TOTAL_BYTES = 2 * GIB;

/** The generated tree pretends "now" is the night of 2026-11-25; file dates lie before it. */
export const DATASET_EPOCH_MS = Date.UTC(2026, 10, 25, 2, 0, 0);
export const DAY_MS = 86_400_000;

export type FileKind = 'table' | 'log' | 'document' | 'program' | 'database' | 'config';

export interface FilePlan {
  /** Relative path with '/' separators. */
  path: string;
  kind: FileKind;
  size: number;
  mtimeMs: number;
  /** Literal content for the few text files; everything else is seeded pseudo-random bytes. */
  text?: string;
}

export interface TreePlan {
  files: FilePlan[];
  /** Folders to create even if empty (parents of files are created anyway). */
  dirs: string[];
}

export interface TreeOptions {
  totalBytes: number;
  seed: number;
  /** Number of documents; by default about 4,000 per 2 GiB (at least 10). */
  files?: number;
  /** Share of the total spent on documents (default 0.25). */
  documentsShare?: number;
}

/**
 * The two data-set shapes (docs/bench.md): `avimark`, the reference clinic's size mix (a few tables and
 * logs of hundreds of MB at 4 GiB, a documents and images tree of many small files), and `uniform`, the
 * bench's first data set (sizes spread over ~260 tables and logs, 4,000 documents per 2 GiB).
 */
export const DATASET_PROFILES = ['avimark', 'uniform'] as const;
export type DatasetProfile = (typeof DATASET_PROFILES)[number];

interface TableSpec {
  name: string;
  /** Megabytes in the reference clinic. */
  weightMb: number;
  recordBytes: number;
}

/** [name, reference MB, record bytes]. Record sizes from the ETL notes where known, else 256. */
const TABLE_ROWS: Array<[string, number, number]> = [
  // sourced names, sourced sizes (largest files in the reference clinic)
  ['MEDABNRM', 200, 256],
  ['ACCOUNT', 129, 256],
  ['WP', 102, 512],
  ['PROC', 100, 256],
  ['ANALYTE', 93, 128],
  ['APPOINT', 45, 449],
  ['SERVICEX', 36, 256],
  // sourced names, sizes estimated from record counts (≈14k clients, ≈27k patients) or guessed
  ['CLIENT', 7.2, 512],
  ['ANIMAL', 10.6, 392],
  ['USER', 0.3, 6110],
  ['TREAT', 28, 1024],
  ['PRICE', 1.2, 108],
  ['SERVICE', 24, 256],
  ['ITEM', 3.1, 549],
  ['VISIT', 14, 256],
  ['VARIANCE', 4, 256],
  ['WBOARD', 2, 256],
  ['MEDICAL', 22, 256],
  ['PRESCRIP', 12, 256],
  ['VACCINE', 9, 256],
  ['FOLLOW', 8, 256],
  ['DIAGNOSE', 5, 256],
  ['PO', 3, 256],
  ['QUOTE', 4, 256],
  ['QUOTAIL', 6, 256],
  ['AUDIT', 40, 256],
  ['HOSPITAL', 0.05, 256],
  ['TABLE', 0.5, 256],
  ['DRUG', 2, 256],
  ['SERVMEMO', 25, 256],
  ['MDCLMEMO', 30, 256],
  ['ANMLMEMO', 8, 256],
  ['FLWUMEMO', 3, 256],
  ['LSTSMEMO', 1, 256],
  ['GLOSMEMO', 0.5, 256],
  ['ATTACH', 20, 256],
  ['CLIENTX', 6, 256],
  ['REQ', 2, 256],
  ['REQENTRY', 5, 256],
  // filler names (not sourced) so the folder holds about a hundred tables
  ['ADDRESS', 3, 256],
  ['PHONE', 1.5, 128],
  ['EMAIL', 1, 128],
  ['BREED', 0.2, 128],
  ['SPECIES', 0.02, 128],
  ['COLOR', 0.05, 128],
  ['DOCTOR', 0.05, 512],
  ['ROOM', 0.01, 128],
  ['CATEGORY', 0.1, 128],
  ['VENDOR', 0.3, 512],
  ['INVENT', 6, 256],
  ['INVDTL', 18, 256],
  ['PAYMENT', 11, 256],
  ['DEPOSIT', 2, 256],
  ['INVOICE', 16, 256],
  ['TAX', 0.01, 128],
  ['RECALL', 9, 256],
  ['REMIND', 12, 256],
  ['ESTIMATE', 5, 256],
  ['ESTDTL', 9, 256],
  ['BOARDING', 2, 256],
  ['KENNEL', 0.02, 128],
  ['LAB', 7, 256],
  ['LABRES', 26, 256],
  ['RADIOLOG', 3, 256],
  ['WEIGHT', 4, 128],
  ['VITALS', 6, 128],
  ['PROBLEM', 2, 256],
  ['ALLERGY', 0.4, 128],
  ['CONTACT', 1, 256],
  ['REFERRAL', 0.8, 256],
  ['REFDOC', 0.1, 512],
  ['INSURE', 0.5, 256],
  ['CLAIM', 1.5, 256],
  ['POLICY', 0.3, 256],
  ['COUPON', 0.05, 128],
  ['DISCOUNT', 0.05, 128],
  ['PACKAGE', 0.2, 256],
  ['PKGITEM', 0.6, 128],
  ['PROTOCOL', 0.3, 256],
  ['SOAP', 15, 1024],
  ['TEMPLATE', 1.2, 2048],
  ['FORM', 0.4, 1024],
  ['FORMFLD', 0.9, 128],
  ['NOTE', 4, 512],
  ['TASK', 1, 256],
  ['SCHEDULE', 2, 256],
  ['SHIFT', 0.3, 128],
  ['TIMECARD', 1.5, 128],
  ['EMPLOYEE', 0.05, 1024],
  ['SECURITY', 0.2, 256],
  ['SETTINGS', 0.05, 4096],
  ['SITE', 0.01, 1024],
  ['PRINTER', 0.01, 256],
  ['LABEL', 0.2, 256],
  ['BATCH', 0.7, 256],
  ['HISTORY', 19, 256],
  ['CHANGES', 7, 256],
  ['SERIAL', 0.3, 128],
  ['LOT', 0.6, 128],
  ['SUPPLIER', 0.1, 512],
  ['CONTROL', 1.8, 256],
  ['CASHDRWR', 0.9, 128],
  ['GLACCT', 0.1, 128],
  ['STATEMNT', 5, 256],
  ['AGING', 1, 128],
  ['EMINDER', 3, 256],
  ['PORTAL', 1.1, 256],
];

export const TABLES: readonly TableSpec[] = TABLE_ROWS.map(([name, weightMb, recordBytes]) => ({
  name,
  weightMb,
  recordBytes,
}));

/** The tables a night of work touches (records rewritten in place). */
export const BUSY_TABLES: readonly string[] = [
  'CLIENT',
  'ANIMAL',
  'TREAT',
  'ACCOUNT',
  'MEDICAL',
  'VISIT',
  'APPOINT',
  'SERVMEMO',
  'MDCLMEMO',
  'AUDIT',
  'WBOARD',
  'PROC',
  'PRESCRIP',
  'FOLLOW',
  'WP',
  'MEDABNRM',
  'INVOICE',
  'PAYMENT',
  'REMIND',
  'HISTORY',
];

const recordBytesByFile = new Map(TABLES.map((t) => [`${t.name}.V2$`, t.recordBytes]));

/** Record size of a table file (by file name), 256 for anything else. */
export function recordBytesOf(fileName: string): number {
  return recordBytesByFile.get(fileName.toUpperCase()) ?? 256;
}

export const LOG_COUNT = 151;
/** The big historical logs of the reference clinic (MB). */
export const LOG_REFERENCE_MB: Record<number, number> = { 3: 181, 4: 363, 11: 60, 15: 189, 16: 284 };

const SHARES = { tables: 0.45, logs: 0.27, documents: 0.25 } as const;

export const DOCUMENT_KINDS = [
  {
    folder: 'Attachments',
    prefix: 'A',
    names: ['Lab Report', 'Rabies Certificate', 'Consent Form', 'Invoice'],
    ext: 'pdf',
  },
  { folder: 'Images', prefix: 'I', names: ['Radiograph', 'Wound Photo', 'Ultrasound', 'Dental Chart'], ext: 'jpg' },
  { folder: 'Letters', prefix: 'L', names: ['Reminder Letter', 'Referral Letter', 'Discharge Notes'], ext: 'rtf' },
] as const;

/**
 * Matches a generated document's file name (either profile) and captures its number (used by churn to
 * continue the sequence).
 */
export const DOCUMENT_NAME = /^[AILRST](\d{6,}) /;

export const FIRST_YEAR = 2013;
export const LAST_YEAR = 2026;
export const LAST_MONTH = 11;

export function planTree(options: TreeOptions): TreePlan {
  const { totalBytes, seed } = options;
  if (!Number.isFinite(totalBytes) || totalBytes < 1 * MIB) throw new Error('totalBytes must be at least 1 MiB');
  const scale = totalBytes / DEFAULT_TOTAL_BYTES;
  const documentsShare = options.documentsShare ?? SHARES.documents;
  const restShare = 1 - documentsShare;
  const rng = (label: string): Random => new Random(deriveSeed(seed, label));

  const files: FilePlan[] = [];
  const epoch = DATASET_EPOCH_MS;

  // Program and configuration files (fixed-ish sizes, lightly scaled).
  const exeSize = clamp(Math.round(totalBytes * 0.003), 64 * 1024, 16 * MIB);
  files.push({ path: 'avimark.exe', kind: 'program', size: exeSize, mtimeMs: epoch - 200 * DAY_MS });
  files.push({
    path: 'AVImarkCOMServer.dll',
    kind: 'program',
    size: clamp(Math.round(totalBytes * 0.012), 64 * 1024, 80 * MIB),
    mtimeMs: epoch - 200 * DAY_MS,
  });
  const ini =
    '[Server]\r\nPort=9191\r\nDataPath=C:\\AVImark\r\nPasswordHash=5f4dcc3b5aa765d61d8327deb882cf99\r\nLogLevel=1\r\n';
  files.push({
    path: 'AVImarkServer.ini',
    kind: 'config',
    size: Buffer.byteLength(ini),
    mtimeMs: epoch - 90 * DAY_MS,
    text: ini,
  });
  files.push({
    path: 'AVImark.db$',
    kind: 'database',
    size: roundTo(Math.max(8192, Math.round(totalBytes * 0.015)), 4096),
    mtimeMs: epoch - 2 * 3_600_000,
  });
  files.push({ path: 'AVImark.db$-lock', kind: 'database', size: 8192, mtimeMs: epoch - 2 * 3_600_000 });

  const fixedBytes = files.reduce((sum, f) => sum + f.size, 0);
  const budget = Math.max(0, totalBytes - fixedBytes);
  const tablesBudget = (budget * (restShare * SHARES.tables)) / (SHARES.tables + SHARES.logs);
  const logsBudget = (budget * (restShare * SHARES.logs)) / (SHARES.tables + SHARES.logs);
  const documentsBudget = budget * documentsShare;

  // Tables: active, modified within the last few days.
  const tableRng = rng('tables');
  const tableWeight = TABLES.reduce((sum, t) => sum + t.weightMb, 0);
  for (const table of TABLES) {
    const raw = (tablesBudget * table.weightMb) / tableWeight;
    const size = Math.max(table.recordBytes, roundDown(raw, table.recordBytes));
    files.push({
      path: `${table.name}.V2$`,
      kind: 'table',
      size,
      mtimeMs: epoch - tableRng.int(0, 4 * 24) * 3_600_000,
    });
  }

  // Logs: LOG001…LOG151 (about one a month since 2014), each with a small WP companion; the newest is current.
  const logRng = rng('logs');
  const logWeights: number[] = [];
  for (let n = 1; n <= LOG_COUNT; n++) logWeights.push(LOG_REFERENCE_MB[n] ?? logRng.logUniform(0.5, 25));
  // Each log's WP companion adds 2 % on top of it.
  const logWeightSum = logWeights.reduce((a, b) => a + b * 1.02, 0);
  for (let n = 1; n <= LOG_COUNT; n++) {
    const size = Math.max(1024, Math.round((logsBudget * logWeights[n - 1]) / logWeightSum));
    const monthsAgo = LOG_COUNT - n;
    const mtimeMs = n === LOG_COUNT ? epoch - 3_600_000 : epoch - monthsAgo * 30 * DAY_MS - logRng.int(0, 20) * DAY_MS;
    const id = String(n).padStart(3, '0');
    files.push({ path: `LOG${id}.V2$`, kind: 'log', size, mtimeMs });
    files.push({ path: `LOG${id}WP.V2$`, kind: 'log', size: Math.max(512, Math.round(size * 0.02)), mtimeMs });
  }

  // Documents: My Documents/<kind>/<year>/<month>/<letter><number> <title>.<ext>, more in recent years.
  const documentCount = options.files ?? Math.max(10, Math.round(4000 * scale));
  const docRng = rng('documents');
  const rawSizes: number[] = [];
  for (let i = 0; i < documentCount; i++) {
    const r = docRng.float();
    rawSizes.push(
      r < 0.7 ? docRng.logUniform(3e3, 6e4) : r < 0.95 ? docRng.logUniform(6e4, 9e5) : docRng.logUniform(9e5, 6e6),
    );
  }
  const rawSum = rawSizes.reduce((a, b) => a + b, 0);
  const sizeFactor = rawSum > 0 ? documentsBudget / rawSum : 0;
  const yearWeights: number[] = [];
  for (let y = FIRST_YEAR; y <= LAST_YEAR; y++) yearWeights.push(y - FIRST_YEAR + 1);
  const yearWeightSum = yearWeights.reduce((a, b) => a + b, 0);
  const dirs = new Set<string>();
  for (let i = 0; i < documentCount; i++) {
    const size = Math.max(128, Math.round(rawSizes[i] * sizeFactor));
    const kind = rawSizes[i] > 2e5 ? DOCUMENT_KINDS[1] : docRng.pick(DOCUMENT_KINDS);
    const year = pickWeighted(docRng, yearWeights, yearWeightSum) + FIRST_YEAR;
    const month = year === LAST_YEAR ? docRng.int(1, LAST_MONTH) : docRng.int(1, 12);
    const day = docRng.int(1, 28);
    const folder = `My Documents/${kind.folder}/${year}/${String(month).padStart(2, '0')}`;
    dirs.add(folder);
    files.push({
      path: `${folder}/${documentFileName(kind, i + 1, docRng)}`,
      kind: 'document',
      size,
      mtimeMs: Math.min(epoch - DAY_MS, Date.UTC(year, month - 1, day, docRng.int(7, 19), docRng.int(0, 59))),
    });
  }

  return { files, dirs: [...dirs].sort() };
}

/** What a document's file name is made of. */
export interface DocumentNaming {
  prefix: string;
  names: readonly string[];
  ext: string;
}

export function documentFileName(kind: DocumentNaming, number: number, rng: Random): string {
  const title = rng.pick(kind.names);
  // A few names with non-ASCII characters, as typed by staff on Windows.
  const owner = number % 97 === 0 ? ' – Müller' : number % 89 === 0 ? ' (Åsa Øberg)' : '';
  return `${kind.prefix}${String(number).padStart(6, '0')} ${title}${owner}.${kind.ext}`;
}

export function pickWeighted(rng: Random, weights: number[], sum: number): number {
  let r = rng.float() * sum;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i];
    if (r < 0) return i;
  }
  return weights.length - 1;
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

export function roundDown(value: number, unit: number): number {
  return Math.floor(value / unit) * unit;
}

export function roundTo(value: number, unit: number): number {
  return Math.round(value / unit) * unit;
}
