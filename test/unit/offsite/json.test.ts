import { describe, expect, it } from 'vitest';
import { parseBackupLine } from '../../../src/offsite/json';

describe('restic JSON', () => {
  it('parses status and summary lines of 0.14 (short id) and tolerates missing fields', () => {
    expect(parseBackupLine('{"message_type":"status","percent_done":0,"total_files":1,"total_bytes":5}')).toMatchObject(
      {
        type: 'status',
        status: { percentDone: 0, totalFiles: 1, totalBytes: 5, bytesDone: 0 },
      },
    );
    expect(parseBackupLine('{"message_type":"summary","data_added":42,"snapshot_id":"e8628f97"}')).toMatchObject({
      type: 'summary',
      summary: { dataAdded: 42, dataAddedPacked: null, snapshotId: 'e8628f97', filesNew: 0 },
    });
    // 0.17+ also says what the new data takes once compressed.
    expect(parseBackupLine('{"message_type":"summary","data_added":42,"data_added_packed":9}')).toMatchObject({
      type: 'summary',
      summary: { dataAdded: 42, dataAddedPacked: 9 },
    });
    expect(parseBackupLine('not json')).toEqual({ type: 'other' });
  });
});
