import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A small AVImark-like folder: `$` names, a sub-folder with a space, an empty file, a non-ASCII name. */
export async function writeSampleFolder(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'Images', 'x ray'), { recursive: true });
  await writeFile(path.join(dir, 'ANIMAL.V2$'), randomBytes(70_000));
  await writeFile(path.join(dir, 'CLIENT.V2$'), randomBytes(5_000));
  await writeFile(path.join(dir, 'AVIMARK.INI'), '[Settings]\r\nServer=VETSRV01\r\n');
  await writeFile(path.join(dir, 'empty.dat'), '');
  await writeFile(path.join(dir, 'Notizen-Ünïcode.txt'), 'Grüße\n');
  await writeFile(path.join(dir, 'Images', 'x ray', 'rex 1.jpg'), randomBytes(12_345));
}
