import * as z from '../validation';
import { type FieldReference, fieldReference } from './reference';
import { configSchema } from './schema';

/**
 * The editor JSON Schema (schema/config.schema.json) and the configuration reference
 * (docs/configuration.md), both generated from the zod schema plus the descriptions in ./reference.ts
 * by `node scripts/gen-schema.mjs`; a test keeps the committed files in step.
 */

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  [key: string]: unknown;
};

export interface ConfigField {
  path: string;
  depth: number;
  type: string;
  required: boolean;
  defaultText: string;
  description: string;
}

/** Fields whose schema default is computed on the machine that generates the file: not written as a default. */
const MACHINE_DEPENDENT_DEFAULTS = new Set(['powershell.executable']);

export function configJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  forEachField(schema, (field, node) => {
    const ref: FieldReference | undefined = fieldReference[field];
    if (ref) node.description = ref.description + (ref.defaultText ? ` Default: ${ref.defaultText}.` : '');
    if (MACHINE_DEPENDENT_DEFAULTS.has(field)) delete node.default;
  });
  stripMachineDependentDefaults(schema);
  return {
    $schema: schema.$schema,
    title: 'avimark-backup configuration',
    description: 'Configuration of avimark-backup (JSON with comments). Reference: docs/configuration.md.',
    ...schema,
  };
}

/** Section defaults embed the machine-dependent value too (e.g. powershell: {executable: "pwsh"}). */
function stripMachineDependentDefaults(schema: JsonSchema): void {
  for (const field of MACHINE_DEPENDENT_DEFAULTS) {
    const [section, key] = field.split('.');
    const sectionNode = schema.properties?.[section];
    if (sectionNode && typeof sectionNode.default === 'object' && sectionNode.default !== null) {
      const copy = { ...(sectionNode.default as Record<string, unknown>) };
      delete copy[key];
      sectionNode.default = copy;
    }
  }
}

/** Calls `visit` for every named field, depth first, with its path (`a.b`, `list[].x`). */
function forEachField(root: JsonSchema, visit: (path: string, node: JsonSchema, parent: JsonSchema) => void): void {
  const walk = (node: JsonSchema, prefix: string) => {
    const object = objectPart(node);
    if (object?.properties) {
      for (const [key, child] of Object.entries(object.properties)) {
        const childPath = `${prefix}${key}`;
        visit(childPath, child, object);
        walk(child, `${childPath}.`);
      }
    }
    const list = arrayPart(node);
    if (list?.items) walk(list.items, `${prefix.slice(0, -1)}[].`);
  };
  walk(root, '');
}

function objectPart(node: JsonSchema): JsonSchema | undefined {
  if (node.type === 'object') return node;
  return node.anyOf?.find((n) => n.type === 'object');
}

function arrayPart(node: JsonSchema): JsonSchema | undefined {
  if (node.type === 'array') return node;
  return node.anyOf?.find((n) => n.type === 'array');
}

function typeText(node: JsonSchema): string {
  if (node.anyOf) return node.anyOf.map(typeText).join(' or ');
  if (node.enum) return node.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (node.type === 'array') return node.items ? `list of ${typeText(node.items)}` : 'list';
  if (node.type === 'integer') return 'whole number';
  if (node.type === 'object') return 'object';
  return String(node.type ?? 'any');
}

export function configFields(): ConfigField[] {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const fields: ConfigField[] = [];
  forEachField(schema, (path, node, parent) => {
    const key = path.slice(path.lastIndexOf('.') + 1).replace(/\[\]$/, '');
    const ref = fieldReference[path];
    const isSection = Boolean(objectPart(node)) && !('anyOf' in node && node.default === null);
    const required = (parent.required ?? []).includes(key) && node.default === undefined;
    let defaultText = '';
    if (ref?.defaultText) defaultText = ref.defaultText;
    else if (!isSection && node.default !== undefined) defaultText = JSON.stringify(node.default);
    fields.push({
      path,
      depth: path.split('.').length - 1,
      type: typeText(node),
      required,
      defaultText,
      description: ref?.description ?? '',
    });
  });
  return fields;
}

/** Schema fields that ./reference.ts does not describe (a test keeps this empty). */
export function undescribedFields(): string[] {
  return configFields()
    .filter((f) => !f.description)
    .map((f) => f.path);
}

export function configReferenceMarkdown(): string {
  const escapeCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const rows = configFields().map((f) => {
    const requiredText = f.required
      ? '**required**'
      : f.defaultText
        ? `\`${escapeCell(f.defaultText).replace(/`/g, "'")}\``
        : '';
    return `| \`${f.path}\` | ${escapeCell(f.type)} | ${requiredText} | ${escapeCell(f.description)} |`;
  });
  return `<!-- Generated by scripts/gen-schema.mjs from src/config/schema.ts and src/config/reference.ts. Do not edit by hand. -->
# Configuration reference

avimark-backup reads one configuration file: JSON, with comments (\`//\`, \`/* */\`) and trailing commas
allowed. \`avimark-backup init\` writes a commented starting file for a typical AVImark server. Every
error names the field path (for example \`lockout.services[0].name\`) and what is expected; all problems
are listed at once and nothing is touched (exit code 2). Unknown fields are errors (they are usually
typos). Paths in the file must be absolute; on Windows write each backslash twice (\`"C:\\\\AVImark"\`).

For editors, \`schema/config.schema.json\` describes the same fields: add
\`"$schema": "<path>/config.schema.json"\` to the file (VS Code and others then complete and check it).

Commands other than \`backup\` also accept \`--dest DIR\` instead of \`--config FILE\` (the defaults below
then apply); \`backup --source DIR --dest DIR --no-lockout\` runs without a file. With \`--config\`, the
flags \`--dest\`, \`--source\` and \`--state-dir\` override the file's values. Paths given as flags may be
relative to the current folder.

| Field | Type | Default | Meaning |
|---|---|---|---|
${rows.join('\n')}

## Exit codes

| Code | Meaning |
|---|---|
| 0 | Success. |
| 1 | The run failed; earlier snapshots are untouched. The message (and the log) says why. |
| 2 | Usage or configuration error: bad flag, bad field (named), a refused path. Nothing was touched. |
| 3 | Verification found damage: missing, extra or damaged files (listed by path), in \`verify\`, \`restore\` or \`drill\`. |
| 4 | AVImark could not be fully given back after a lockout; the message lists what is still locked and \`recover\` undoes it. |
| 5 | The backup looked like ransomware at work (thresholds in \`guard.ransomware\`): the snapshot was kept but marked suspect, \`latest\` did not move and every prune is held (\`prune\` exits 5 too) until \`accept ID\` or \`prune --id ID\`. |

## Environment

| Variable | Meaning |
|---|---|
| \`AVIMARK_BACKUP_STATE_DIR\` | Default for \`stateDir\` when the file (or \`--state-dir\`) does not set it. |
| \`AVIMARK_BACKUP_DEBUG\` | Print stack traces of unexpected errors. |
| \`NO_COLOR\` | No colours in console log lines. |

## Logs

Each run that changes something (backup, prune, restore, verify, drill) writes JSON lines to
\`<logging.dir>/<YYYY-MM-DD_HHMMSS>-<command>.log\` when it runs from a config file or with
\`--state-dir\`; runs from flags alone log to the console only. Console lines go to stderr, so \`--json\`
output on stdout stays clean. Logs older than \`logging.keepDays\` are deleted when a run starts.
Secrets (password, pass, auth, token, secret fields) are written as \`[REDACTED]\`.
`;
}
