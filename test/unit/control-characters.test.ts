// What the edge refuses (issue 15, Low 9): see src/http/control-characters.ts.
import { holdsControlCharacter } from '../../src/http/control-characters.js';

describe('control characters at the edge', () => {
  it('finds C0 (but tab and line breaks), DEL and C1 in values and keys, at any depth', () => {
    expect(holdsControlCharacter({ a: 'line\r\nbreak\tand tab', b: ['ok'] })).toBe(false);
    for (const bad of ['\u0000', '\u0008', '\u000b', '\u001f', '\u007f', '\u0080', '\u009f']) {
      expect([bad, holdsControlCharacter({ a: `x${bad}y` })]).toEqual([bad, true]);
    }
    expect(holdsControlCharacter({ 'k\u0000': 'v' })).toBe(true);
    expect(holdsControlCharacter({ a: [{ b: ['\u0000'] }] })).toBe(true);
    expect(holdsControlCharacter({ n: 1, t: true, z: null })).toBe(false);
  });
});
