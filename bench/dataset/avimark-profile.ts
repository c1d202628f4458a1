import {
  DATASET_EPOCH_MS,
  DAY_MS,
  type DocumentNaming,
  FIRST_YEAR,
  type FileKind,
  type FilePlan,
  LAST_MONTH,
  LAST_YEAR,
  LOG_COUNT,
  LOG_REFERENCE_MB,
  MIB,
  TABLES,
  type TreeOptions,
  type TreePlan,
  documentFileName,
  pickWeighted,
  roundDown,
} from './profile';
import { Random, deriveSeed } from './random';

/**
 * The `avimark` profile: the reference clinic's size mix (avimark.md §1) instead of sizes spread evenly.
 * Everything that is not a document keeps the reference clinic's megabytes as its weight (tables 1.2 GB
 * with MEDABNRM 200 MB and ACCOUNT 129 MB; logs dominated by LOG004 363 MB, LOG016 284 MB, LOG015 189 MB,
 * LOG003 181 MB, the other logs small; AVImarkCOMServer.dll 74.7 MB); at 4 GiB they have their real size.
 * Documents and images are many small files in a year/month tree under `My Documents/` and `Images/`
 * (sizes and folders INFERRED: no public source gives them), drawn at their natural sizes, so the
 * document count follows from the documents' share of the total (~6,000 per 2 GiB).
 */

interface DocumentKind extends DocumentNaming {
  /** Folder under the data folder; files go to <root>/<year>/<month>/. */
  root: string;
  /** Share of the documents (by count). */
  share: number;
  /** Log-uniform size range in bytes. */
  minBytes: number;
  maxBytes: number;
}

export const AVIMARK_DOCUMENT_KINDS: readonly DocumentKind[] = [
  {
    root: 'My Documents/Letters',
    prefix: 'L',
    names: ['Reminder Letter', 'Referral Letter', 'Discharge Instructions', 'Estimate', 'Email'],
    ext: 'rtf',
    share: 0.33,
    minBytes: 1e3,
    maxBytes: 3e4,
  },
  {
    root: 'My Documents/Scanned',
    prefix: 'S',
    names: ['Lab Report', 'Rabies Certificate', 'Consent Form', 'Referral Records', 'Invoice'],
    ext: 'pdf',
    share: 0.28,
    minBytes: 1.5e4,
    maxBytes: 2.5e5,
  },
  {
    root: 'Images/Thumbs',
    prefix: 'T',
    names: ['Radiograph', 'Wound Photo', 'Patient Photo', 'Dental Chart'],
    ext: 'jpg',
    share: 0.25,
    minBytes: 3e3,
    maxBytes: 2e4,
  },
  {
    root: 'Images',
    prefix: 'I',
    names: ['Radiograph', 'Wound Photo', 'Patient Photo', 'Dental Chart', 'Ultrasound'],
    ext: 'jpg',
    share: 0.135,
    minBytes: 6e4,
    maxBytes: 9e5,
  },
  {
    root: 'Images/Radiology',
    prefix: 'R',
    names: ['DICOM Study', 'CT Series'],
    ext: 'dcm',
    share: 0.005,
    minBytes: 1.5e6,
    maxBytes: 8e6,
  },
];

/** Mean of a log-uniform draw in [a, b). */
const logUniformMean = (a: number, b: number): number => (b - a) / Math.log(b / a);

/** Expected size of one document (~90 KB): the document count is the documents' budget over this. */
export const AVIMARK_DOCUMENT_MEAN_BYTES = AVIMARK_DOCUMENT_KINDS.reduce(
  (sum, k) => sum + k.share * logUniformMean(k.minBytes, k.maxBytes),
  0,
);

/** [path, kind, reference MB, days since last change]: program and database files. */
const FIXED_FILES: Array<[string, FileKind, number, number]> = [
  ['AVImarkCOMServer.dll', 'program', 74.7, 200], // sourced size
  ['avimark.exe', 'program', 28, 200], // size INFERRED
  ['AVImarkGuardian.exe', 'program', 6, 200], // size INFERRED
  ['fbclient.dll', 'program', 3.7, 400], // size INFERRED
  ['STSeries.tlb', 'program', 0.1, 400], // size INFERRED
  ['IVLS/IDEXXClient.ocx', 'program', 1.2, 400], // size INFERRED
  ['VetLogicClient/VETLOGIC.FDB', 'database', 24, 1], // size INFERRED
  ['AVImark.db$', 'database', 30, 0], // size INFERRED (format unknown)
];

const INI =
  '[Server]\r\nPort=9191\r\nDataPath=C:\\AVImark\r\nPasswordHash=5f4dcc3b5aa765d61d8327deb882cf99\r\nLogLevel=1\r\n';

export function planAvimarkTree(options: TreeOptions): TreePlan {
  const { totalBytes, seed } = options;
  if (!Number.isFinite(totalBytes) || totalBytes < 1 * MIB) throw new Error('totalBytes must be at least 1 MiB');
  const rng = (label: string): Random => new Random(deriveSeed(seed, `avimark-${label}`));
  const epoch = DATASET_EPOCH_MS;
  const files: FilePlan[] = [
    {
      path: 'AVImarkServer.ini',
      kind: 'config',
      size: Buffer.byteLength(INI),
      mtimeMs: epoch - 90 * DAY_MS,
      text: INI,
    },
    { path: 'AVImark.db$-lock', kind: 'database', size: 8192, mtimeMs: epoch - 2 * 3_600_000 },
  ];
  const budget = Math.max(0, totalBytes - 2 * 8192);
  const documentsBudget = budget * (options.documentsShare ?? 0.25);
  const weighted = weightedFiles(rng('logs'), rng('tables'));
  const weightSum = weighted.reduce((sum, f) => sum + f.weight, 0);
  const perWeight = (budget - documentsBudget) / weightSum;
  for (const f of weighted) {
    const size = Math.max(f.unit, roundDown(f.weight * perWeight, f.unit));
    files.push({ path: f.path, kind: f.kind, size, mtimeMs: f.mtimeMs });
  }
  const documents = planDocuments(rng('documents'), documentsBudget, options.files);
  // a loop, not push(...): a million documents would overflow the call stack's argument limit
  for (const document of documents.files) files.push(document);
  return { files, dirs: documents.dirs };
}

interface WeightedFile {
  path: string;
  kind: FileKind;
  weight: number;
  /** Sizes are whole multiples of this (a table's record size). */
  unit: number;
  mtimeMs: number;
}

function weightedFiles(logRng: Random, tableRng: Random): WeightedFile[] {
  const epoch = DATASET_EPOCH_MS;
  const out: WeightedFile[] = FIXED_FILES.map(([path, kind, weight, days]) => ({
    path,
    kind,
    weight,
    unit: kind === 'database' ? 4096 : 1,
    mtimeMs: epoch - days * DAY_MS - 2 * 3_600_000,
  }));
  for (const table of TABLES) {
    const mtimeMs = epoch - tableRng.int(0, 4 * 24) * 3_600_000;
    out.push({ path: `${table.name}.V2$`, kind: 'table', weight: table.weightMb, unit: table.recordBytes, mtimeMs });
  }
  // The reference clinic's big logs, the others small (all below the 36 MB of its 12th-largest file).
  for (let n = 1; n <= LOG_COUNT; n++) {
    const weight = LOG_REFERENCE_MB[n] ?? logRng.logUniform(0.02, 20);
    const monthsAgo = LOG_COUNT - n;
    const mtimeMs = n === LOG_COUNT ? epoch - 3_600_000 : epoch - monthsAgo * 30 * DAY_MS - logRng.int(0, 20) * DAY_MS;
    const id = String(n).padStart(3, '0');
    out.push({ path: `LOG${id}.V2$`, kind: 'log', weight, unit: 1, mtimeMs });
    out.push({ path: `LOG${id}WP.V2$`, kind: 'log', weight: Math.max(0.0005, weight * 0.02), unit: 1, mtimeMs });
  }
  return out;
}

function planDocuments(rng: Random, budget: number, count?: number): { files: FilePlan[]; dirs: string[] } {
  const n = count ?? Math.max(10, Math.round(budget / AVIMARK_DOCUMENT_MEAN_BYTES));
  const shares = AVIMARK_DOCUMENT_KINDS.map((k) => k.share);
  const shareSum = shares.reduce((a, b) => a + b, 0);
  const drawn: Array<{ kind: DocumentKind; raw: number }> = [];
  for (let i = 0; i < n; i++) {
    const kind = AVIMARK_DOCUMENT_KINDS[pickWeighted(rng, shares, shareSum)];
    drawn.push({ kind, raw: rng.logUniform(kind.minBytes, kind.maxBytes) });
  }
  // Natural sizes when the count follows from the budget (factor ≈ 1); squeezed or stretched when given.
  const rawSum = drawn.reduce((a, d) => a + d.raw, 0);
  const factor = rawSum > 0 ? budget / rawSum : 0;
  const yearWeights: number[] = [];
  for (let y = FIRST_YEAR; y <= LAST_YEAR; y++) yearWeights.push(y - FIRST_YEAR + 1);
  const yearWeightSum = yearWeights.reduce((a, b) => a + b, 0);
  const dirs = new Set<string>();
  const files: FilePlan[] = drawn.map(({ kind, raw }, i) => {
    const year = pickWeighted(rng, yearWeights, yearWeightSum) + FIRST_YEAR;
    const month = year === LAST_YEAR ? rng.int(1, LAST_MONTH) : rng.int(1, 12);
    const folder = avimarkDocumentFolder(kind, year, month);
    dirs.add(folder);
    return {
      path: `${folder}/${documentFileName(kind, i + 1, rng)}`,
      kind: 'document',
      size: Math.max(128, Math.round(raw * factor)),
      mtimeMs: Math.min(
        DATASET_EPOCH_MS - DAY_MS,
        Date.UTC(year, month - 1, rng.int(1, 28), rng.int(7, 19), rng.int(0, 59)),
      ),
    };
  });
  return { files, dirs: [...dirs].sort() };
}

export function avimarkDocumentFolder(kind: DocumentKind, year: number, month: number): string {
  return `${kind.root}/${year}/${String(month).padStart(2, '0')}`;
}
