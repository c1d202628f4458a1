import { repositoryId } from '../offsite/init';
import { openRestic, type Restic, resticVersion } from '../offsite/restic';
import type { Check } from './checks';

/**
 * selftest checks for the offsite copy: restic is there (and which version), the repository answers
 * and the password opens it. Read-only: `restic version` and `cat config --no-lock` change nothing.
 */
type Context = Parameters<Check['run']>[0];

/** Both checks: skipped without an offsite section; restic opened with the configured secrets. */
const offsiteCheck = (
  check: Pick<Check, 'id' | 'title' | 'fix'>,
  run: (restic: Restic, resticPath: string) => Promise<string>,
): Check => ({
  ...check,
  skip: (ctx: Context) => (ctx.settings.offsite ? null : 'no offsite copy is configured'),
  async run(ctx: Context) {
    const offsite = ctx.settings.offsite;
    if (!offsite) return 'not configured';
    return run(await openRestic(offsite, ctx.settings.stateDir), offsite.restic);
  },
});

export const resticCheck: Check = offsiteCheck(
  {
    id: 'restic',
    title: 'offsite: restic is installed',
    fix: 'Install restic (docs/offsite.md: the official zip or winget install restic.restic --scope Machine) and set offsite.restic to the full path of restic.exe.',
  },
  async (restic, resticPath) => {
    const version = await resticVersion(restic);
    const old = version.major === 0 && version.minor < 14;
    if (old) throw new Error(`${resticPath} is ${version.text}; 0.14 or newer is needed`);
    return `${resticPath}: ${version.text}`;
  },
);

export const offsiteRepositoryCheck: Check = offsiteCheck(
  {
    id: 'offsite',
    title: 'offsite: the repository answers and the password opens it (read-only)',
    fix: 'Check offsite.repository, the network, the keys in offsite.environmentFile and the password in offsite.passwordFile; a new repository needs "avimark-backup offsite init" once.',
  },
  async (restic) => {
    const id = await repositoryId(restic);
    if (id === null) throw new Error(`there is no restic repository at ${restic.repositoryLabel} yet`);
    return `${restic.repositoryLabel} answers; the password opens it (repository ${id.slice(0, 8)})`;
  },
);

/** Added to selftest's checks when the configuration has an offsite section. */
export const offsiteChecks: Check[] = [resticCheck, offsiteRepositoryCheck];
