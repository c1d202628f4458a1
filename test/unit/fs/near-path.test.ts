import { describe, expect, it } from 'vitest';
import { isNearPath } from '../../../src/fs/near-path';

describe('isNearPath', () => {
  it.each([
    'C:\\AVImark',
    'D:/Backups/avimark',
    'c:relative',
    '\\\\?\\C:\\AVImark\\CLIENT.V2$',
    '\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy3\\AVImark',
    '\\\\.\\PhysicalDrive0',
    '\\\\?\\Volume{0b3c3a4e-1f2d-4c5b-9a8e-7d6c5b4a3f21}\\Backups',
    '/var/backups/avimark',
    '/',
    'relative/path',
  ])('%s is on this computer', (p) => expect(isNearPath(p)).toBe(true));

  it.each([
    '\\\\nas\\backups\\avimark',
    '//nas/backups/avimark',
    '\\\\nas',
    '\\\\?\\UNC\\nas\\backups\\avimark',
    '\\\\?\\unc\\nas\\backups',
    '//?/UNC/nas/backups',
    '\\\\.\\UNC\\nas\\backups',
  ])('%s is on a network share', (p) => expect(isNearPath(p)).toBe(false));
});
