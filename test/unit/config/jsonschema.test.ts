import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedFiles } from '../../../src/config/generated-files';
import { configFields, configJsonSchema, undescribedFields } from '../../../src/config/jsonschema';
import { InvalidConfigError, parseConfigText, settingsFromInput } from '../../../src/config/load';
import { fieldReference } from '../../../src/config/reference';
import { configTemplate, defaultTemplateValues } from '../../../src/config/template';

const repoRoot = path.resolve(__dirname, '../../..');

describe('generated configuration files', () => {
  it.each(Object.keys(generatedFiles()))('%s is up to date (run node scripts/gen-schema.mjs)', (rel) => {
    const committed = readFileSync(path.join(repoRoot, rel), 'utf8');
    expect(committed).toBe(generatedFiles()[rel]);
  });

  it('every schema field is described, and every description names a real field', () => {
    expect(undescribedFields()).toEqual([]);
    const fields = new Set(configFields().map((f) => f.path));
    expect(Object.keys(fieldReference).filter((k) => !fields.has(k))).toEqual([]);
  });

  it('describes the input: only source and destination are required, unknown keys are refused', () => {
    const schema = configJsonSchema();
    expect(schema.required).toEqual(['source', 'destination']);
    expect(schema.additionalProperties).toBe(false);
    // A default computed on the generating machine must not be baked in.
    const powershell = (
      schema.properties as Record<string, { properties: Record<string, { default?: unknown }>; default?: unknown }>
    ).powershell;
    expect(powershell.properties.executable.default).toBeUndefined();
    expect(powershell.default).toEqual({ callTimeoutSeconds: 120 });
  });
});

describe('configTemplate', () => {
  it('loads on this platform', () => {
    const text = configTemplate(defaultTemplateValues('linux'));
    const settings = settingsFromInput(parseConfigText(text, 'template'), null, { platform: 'linux', env: {} });
    expect(settings.mode).toBe('auto');
    expect(settings.alerts.email).toBeNull();
  });

  it('the Windows flavour is valid apart from paths this (non-Windows) machine cannot call absolute', () => {
    const text = configTemplate(defaultTemplateValues('win32'));
    const raw = parseConfigText(text, 'template') as { source: string; destination: string };
    expect(raw.source).toBe('C:\\AVImark');
    if (process.platform === 'win32') {
      expect(() => settingsFromInput(raw, null)).not.toThrow();
      return;
    }
    try {
      settingsFromInput(raw, null);
      throw new Error('expected the Windows paths to be refused here');
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidConfigError);
      expect((err as InvalidConfigError).problems.map((p) => p.field)).toEqual(['source', 'destination']);
    }
  });
});
