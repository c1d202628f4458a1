import type { Check } from '../selftest/checks';
import { repositoryId } from './init';
import { openRestic, resticVersion } from './restic';

/**
 * selftest checks for the offsite copy: restic is there (and which version), the repository answers
 * and the password opens it. Read-only: `restic version` and `cat config --no-lock` change nothing.
 */
export const resticCheck: Check = {
  id: 'restic',
  title: 'offsite: restic is installed',
  fix: 'Install restic (docs/offsite.md: the official zip or winget install restic.restic --scope Machine) and set offsite.restic to the full path of restic.exe.',
  skip: (ctx) => (ctx.settings.offsite ? null : 'no offsite copy is configured'),
  async run(ctx) {
    const offsite = ctx.settings.offsite;
    if (!offsite) return 'not configured';
    const restic = await openRestic(offsite, ctx.settings.stateDir);
    const version = await resticVersion(restic);
    const old = version.major === 0 && version.minor < 14;
    if (old) throw new Error(`${offsite.restic} is ${version.text}; 0.14 or newer is needed`);
    return `${offsite.restic}: ${version.text}`;
  },
};

export const offsiteRepositoryCheck: Check = {
  id: 'offsite',
  title: 'offsite: the repository answers and the password opens it (read-only)',
  fix: 'Check offsite.repository, the network, the keys in offsite.environmentFile and the password in offsite.passwordFile; a new repository needs "avimark-backup offsite init" once.',
  skip: (ctx) => (ctx.settings.offsite ? null : 'no offsite copy is configured'),
  async run(ctx) {
    const offsite = ctx.settings.offsite;
    if (!offsite) return 'not configured';
    const restic = await openRestic(offsite, ctx.settings.stateDir);
    const id = await repositoryId(restic);
    if (id === null) throw new Error(`there is no restic repository at ${restic.repositoryLabel} yet`);
    return `${restic.repositoryLabel} answers; the password opens it (repository ${id.slice(0, 8)})`;
  },
};

/** Added to selftest's checks when the configuration has an offsite section. */
export const offsiteChecks: Check[] = [resticCheck, offsiteRepositoryCheck];
