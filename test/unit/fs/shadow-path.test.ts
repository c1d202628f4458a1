import { describe, expect, it } from 'vitest';
import { pathFlavor, relativeToVolume, shadowPath } from '../../../src/fs/shadow-path';

const DEVICE = '\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy12';

describe('shadowPath (Windows paths)', () => {
  it('maps a file under C:\\ into the shadow device', () => {
    expect(shadowPath('C:\\AVImark\\CLIENT.V2$', 'C:\\', DEVICE)).toBe(`${DEVICE}\\AVImark\\CLIENT.V2$`);
  });
  it('is case-insensitive on the volume and keeps the path case', () => {
    expect(shadowPath('c:\\AviMark\\x', 'C:\\', DEVICE)).toBe(`${DEVICE}\\AviMark\\x`);
  });
  it('maps the volume root to the device with a trailing backslash', () => {
    expect(shadowPath('C:\\', 'C:\\', DEVICE)).toBe(`${DEVICE}\\`);
    // 'C:' alone is drive-relative on Windows (the current directory of drive C), not the root.
    expect(() => shadowPath('C:', 'C:\\', DEVICE)).toThrow(/absolute/);
  });
  it('handles mount-point volumes and a device object given with a trailing backslash', () => {
    expect(shadowPath('D:\\Mounts\\Data\\AVImark\\a.V2$', 'D:\\Mounts\\Data\\', `${DEVICE}\\`)).toBe(
      `${DEVICE}\\AVImark\\a.V2$`,
    );
  });
  it('normalises .. before checking, so a path cannot escape its volume', () => {
    expect(shadowPath('C:\\AVImark\\..\\AVImark\\x', 'C:\\', DEVICE)).toBe(`${DEVICE}\\AVImark\\x`);
    expect(() => shadowPath('D:\\x', 'C:\\', DEVICE)).toThrow(/not on volume/);
    expect(() => shadowPath('D:\\Mounts\\Database\\x', 'D:\\Mounts\\Data\\', DEVICE)).toThrow(/not on volume/);
  });
  it('rejects relative paths', () => {
    expect(() => relativeToVolume('AVImark\\x', 'C:\\')).toThrow(/absolute/);
  });
});

describe("shadowPath (the simulator's POSIX paths)", () => {
  it('maps a file under the volume folder into the shadow folder', () => {
    expect(shadowPath('/tmp/s/C/AVImark/CLIENT.V2$', '/tmp/s/C/', '/tmp/s/shadows/HarddiskVolumeShadowCopy1')).toBe(
      '/tmp/s/shadows/HarddiskVolumeShadowCopy1/AVImark/CLIENT.V2$',
    );
  });
  it('is case-sensitive and prefix-safe', () => {
    expect(() => shadowPath('/tmp/s/c/AVImark', '/tmp/s/C/', '/x')).toThrow(/not on volume/);
    expect(() => shadowPath('/tmp/s/CD/x', '/tmp/s/C', '/x')).toThrow(/not on volume/);
  });
  it('maps the root itself', () => {
    expect(shadowPath('/tmp/s/C', '/tmp/s/C/', '/x/')).toBe('/x/');
  });
  it('tells the flavors apart by the volume root', () => {
    expect(pathFlavor('C:\\')).toBe('win32');
    expect(pathFlavor('\\\\?\\Volume{1234}\\')).toBe('win32');
    expect(pathFlavor('/tmp/s/C/')).toBe('posix');
  });
});
