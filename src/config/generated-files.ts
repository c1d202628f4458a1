import { configJsonSchema, configReferenceMarkdown } from './jsonschema';

/** The files `scripts/gen-schema.mjs` writes (repo-relative path → content). */
export function generatedFiles(): Record<string, string> {
  return {
    'schema/config.schema.json': `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
    'docs/configuration.md': configReferenceMarkdown(),
  };
}
