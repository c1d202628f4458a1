import path from 'node:path';
import type { Command } from 'commander';
import {
  type Settings,
  type StoreSettings,
  readConfigFile,
  settingsFromInput,
  storeSettingsFromInput,
} from '../config/load';
import { UsageError } from '../errors';
import { checkDestinationAvailable } from '../engine/paths';

/** The option values `addSettingsOptions` adds (commander camel-cases `--state-dir` to `stateDir`). */
export interface SettingsOptionValues {
  config?: string;
  dest?: string;
  source?: string;
  stateDir?: string;
}

export interface SettingsOptionChoice {
  /** Offer `--source DIR` (backup). */
  source?: boolean;
  /** Offer `--state-dir DIR` (commands that take locks or write logs). */
  stateDir?: boolean;
}

/** Adds `--config FILE`, `--dest DIR` (and optionally `--source DIR`, `--state-dir DIR`) to a command. */
export function addSettingsOptions(command: Command, choice: SettingsOptionChoice = {}): Command {
  command
    .option('-c, --config <file>', 'configuration file (JSON with comments); see `avimark-backup init`')
    .option('--dest <dir>', 'the backup destination (in place of --config, or overriding its "destination")');
  if (choice.source) command.option('--source <dir>', 'the live AVImark folder (overrides the config\'s "source")');
  if (choice.stateDir)
    command.option('--state-dir <dir>', 'folder for the journal, run lock and logs (overrides "stateDir")');
  return command;
}

/**
 * Settings for a command that needs the source (backup). With `--config`, flags override the
 * file's values; without it, flags build a configuration that goes through the same schema, so the
 * defaults are identical either way.
 */
export async function resolveSettings(values: SettingsOptionValues, cwd = process.cwd()): Promise<Settings> {
  const { raw, configFile } = await rawInput(values, cwd);
  if (configFile === null && values.source === undefined) {
    throw new UsageError('give --config FILE, or both --source DIR and --dest DIR');
  }
  return settingsFromInput(raw, configFile);
}

/**
 * Settings for a command that only works on the store (list, verify, restore, prune, drill). A config
 * file is checked in full whatever the command (a file that cannot run tonight's backup is wrong
 * now); from flags alone, `--dest DIR` is enough.
 */
export async function resolveStoreSettings(values: SettingsOptionValues, cwd = process.cwd()): Promise<StoreSettings> {
  const { raw, configFile } = await rawInput(values, cwd);
  return configFile === null ? storeSettingsFromInput(raw, null) : settingsFromInput(raw, configFile);
}

/**
 * `resolveStoreSettings` for a command that reads or writes the store (list, verify, restore, prune, drill,
 * report): a destination whose disk or share is not there is refused with exit 2 and says so, rather than
 * looking like an empty store.
 */
export async function resolveStoreSettingsWithStore(
  values: SettingsOptionValues,
  cwd = process.cwd(),
): Promise<StoreSettings> {
  const settings = await resolveStoreSettings(values, cwd);
  await checkDestinationAvailable(settings.destination);
  return settings;
}

async function rawInput(
  values: SettingsOptionValues,
  cwd: string,
): Promise<{ raw: Record<string, unknown>; configFile: string | null }> {
  if (values.config === undefined && values.dest === undefined) {
    throw new UsageError(
      'give --config FILE or --dest DIR',
      'run `avimark-backup init` to write a starting configuration',
    );
  }
  const overrides: Record<string, unknown> = {};
  // Paths typed on the command line are relative to the current folder, as in any shell tool;
  // paths in a config file must be absolute (a nightly task's current folder is not the admin's).
  if (values.dest !== undefined) overrides.destination = path.resolve(cwd, values.dest);
  if (values.source !== undefined) overrides.source = path.resolve(cwd, values.source);
  if (values.stateDir !== undefined) overrides.stateDir = path.resolve(cwd, values.stateDir);
  if (values.config === undefined) return { raw: overrides, configFile: null };
  const configFile = path.resolve(cwd, values.config);
  const fromFile = (await readConfigFile(configFile)) as Record<string, unknown>;
  return { raw: { ...fromFile, ...overrides }, configFile };
}
