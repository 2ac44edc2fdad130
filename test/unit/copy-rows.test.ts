import { describe, expect, it } from 'vitest';
import { msgOfRow, toMsg, type RawMsg, type RawMsgRow } from '../../src/store/copy-rows.js';

// SQLite maps its hot message reads by position (raw rows); PostgreSQL by name. Both must hand
// out the same MessageRow, key for key and in the same order (what toEqual and JSON output see).

const named: RawMsg = {
  id: 7, srcUid: 12, messageId: '<a@acme.test>', internalDate: '2026-01-02T03:04:05.000Z', size: 1234, headerHash: 'h', flags: '["\\\\Seen","$Work"]',
  state: 'copying', batchId: 3, dstUidvalidity: '9', dstUid: 40, attempts: 2, lastError: null,
};
const raw = Object.values(named) as RawMsgRow;

describe('message rows by position', () => {
  it('equal the named mapping, keys in the same order', () => {
    expect(msgOfRow(raw)).toStrictEqual(toMsg(named));
    expect(Object.keys(msgOfRow(raw))).toEqual(Object.keys(toMsg(named)));
    expect(msgOfRow(raw).flags).toEqual(['\\Seen', '$Work']);
  });

  it('give every row its own flag list, though the parse is shared', () => {
    const a = msgOfRow(raw);
    a.flags.push('$Changed');
    expect(msgOfRow(raw).flags).toEqual(['\\Seen', '$Work']);
    expect(msgOfRow(raw).flags).not.toBe(msgOfRow(raw).flags);
  });
});
