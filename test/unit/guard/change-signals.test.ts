import { describe, expect, it } from 'vitest';
import { type FileFacts, nameStems, tallyChanges } from '../../../src/guard/change-signals';
import { lastExtension, ransomExtensionSet, ransomNoteKind } from '../../../src/guard/ransom-names';

const file = (p: string, sha: string, size = 100, mtimeNs = '1'): FileFacts => ({
  path: p,
  type: 'file',
  size,
  mtimeNs,
  sha256: sha,
});
const index = (files: FileFacts[]) => new Map(files.map((f) => [f.path, f]));
const options = { extensions: ransomExtensionSet(), caseInsensitive: false };

describe('ransom names', () => {
  it('recognizes ransomware extensions (built-in and extra), case-insensitively, on the last extension', () => {
    const set = ransomExtensionSet(['.XyZ9']);
    expect(set.has('.lockbit')).toBe(true);
    expect(set.has('.xyz9')).toBe(true);
    expect(lastExtension('dir/ANIMAL.V2$.id-3F2A.AKIRA')).toBe('.akira');
    expect(lastExtension('.htaccess')).toBe('');
    expect(lastExtension('dir.v/README')).toBe('');
  });

  it('tells ransom notes from ordinary files', () => {
    for (const name of [
      'HOW_TO_DECRYPT.txt',
      'Restore-My-Files.txt',
      'RECOVER-abcdef-FILES.txt',
      '_readme.txt',
      '!!!README!!!.txt',
      'akira_readme.txt',
      'README_FOR_DECRYPT.txt',
      'YOUR_FILES_ARE_ENCRYPTED.html',
      'My Documents/HOW TO RECOVER YOUR DATA.hta',
    ]) {
      expect(ransomNoteKind(name, 2000), name).toBe('note');
    }
    expect(ransomNoteKind('README.txt', 2000)).toBe('readme');
    expect(ransomNoteKind('Sub/readme', 2000)).toBe('readme');
    for (const name of [
      'CLIENT.V2$',
      'readme.pdf',
      'Decrypt notes.docx',
      'LOG12.V2$',
      'My Documents/Letters/L01 Reminder.rtf',
    ]) {
      expect(ransomNoteKind(name, 2000), name).toBeNull();
    }
    expect(ransomNoteKind('HOW_TO_DECRYPT.txt', 10_000_000)).toBeNull();
  });
});

describe('tallyChanges', () => {
  it('counts same-size content changes, stealthy ones (same mtime too), and other changes', () => {
    const previous = index([file('A', 'a'), file('B', 'b'), file('C', 'c'), file('D', 'd', 100, '5')]);
    const s = tallyChanges(
      previous,
      [file('A', 'a'), file('B', 'b2', 100, '2'), file('C', 'c2', 120), file('D', 'd2', 100, '5'), file('E', 'e')],
      options,
    );
    expect(s.filesCompared).toBe(4);
    expect(s.changed).toBe(3);
    expect(s.changedSameSize).toBe(2);
    expect(s.changedSameStat).toBe(1);
    expect(s.examples.changedSameSize).toEqual(['B', 'D']);
    expect(s.ransomExtension + s.appendedExtension + s.ransomNotes).toBe(0);
  });

  it('sees renamed-with-extension files, ransomware extensions and notes among new files', () => {
    const previous = index([file('ANIMAL.V2$', 'a'), file('CLIENT.V2$', 'c'), file('Docs/x.pdf', 'x')]);
    const s = tallyChanges(
      previous,
      [
        file('ANIMAL.V2$.lockbit', 'z1'),
        file('CLIENT.V2$.id-1.qwerty', 'z2'),
        file('Docs/x.pdf', 'x'),
        file('Docs/Restore-My-Files.txt', 'n', 900),
        file('README.txt', 'r', 900),
        { path: 'Folder.locked', type: 'dir', size: 0, mtimeNs: '1', sha256: null },
      ],
      options,
    );
    expect(s.ransomExtension).toBe(1);
    expect(s.examples.extension).toEqual(['ANIMAL.V2$.lockbit']);
    expect(s.appendedExtension).toBe(2);
    expect(s.ransomNotes).toBe(1);
    expect(s.readmes).toBe(1);
    expect(s.filesCompared).toBe(1);
  });

  it('nameStems lists every name before appended extensions', () => {
    expect(nameStems('d.x/ANIMAL.V2$.id-1F.[x@y].akira')).toEqual([
      'd.x/ANIMAL',
      'd.x/ANIMAL.V2$',
      'd.x/ANIMAL.V2$.id-1F',
      'd.x/ANIMAL.V2$.id-1F.[x@y]',
    ]);
    expect(nameStems('.hidden')).toEqual([]);
    expect(nameStems('plain')).toEqual([]);
  });

  it('does not count a new extension when the old name still exists, and matches case-insensitively on request', () => {
    const previous = index([file('ANIMAL.V2$', 'a'), file('BACKUP', 'b')]);
    const still = tallyChanges(previous, [file('ANIMAL.V2$', 'a'), file('ANIMAL.V2$.bak', 'a')], options);
    expect(still.appendedExtension).toBe(0);
    const renamedCase = tallyChanges(previous, [file('animal.v2$.enc', 'q')], { ...options, caseInsensitive: true });
    expect(renamedCase.appendedExtension).toBe(1);
    expect(renamedCase.ransomExtension).toBe(1);
    const sensitive = tallyChanges(previous, [file('animal.v2$.enc', 'q')], options);
    expect(sensitive.appendedExtension).toBe(0);
  });

  it('an old name still present in another case, or as a folder, is still there (case-insensitively)', () => {
    const previous = index([file('ANIMAL.V2$', 'a'), file('NOTES', 'b')]);
    const insensitive = { ...options, caseInsensitive: true };
    const folder: FileFacts = { ...file('notes', 'x'), type: 'dir', size: 0, sha256: null };
    const current = [file('animal.v2$', 'a'), file('ANIMAL.V2$.enc', 'q'), folder, file('NOTES.txt', 'n')];
    expect(tallyChanges(previous, current, insensitive).appendedExtension).toBe(0);
    // Case-sensitively, 'animal.v2$' and 'notes' are other names: both old names are gone.
    expect(tallyChanges(previous, current, options).appendedExtension).toBe(2);
  });
});
