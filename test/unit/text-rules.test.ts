// The shared text rules: one line, no markup, the messages each caller gives.
import { cleanPersonName, hasMarkupOrLineBreak, personName, singleLineText } from '../../src/lib/text-rules.js';

describe('text rules', () => {
  it('refuses line breaks, < and > and trims', () => {
    for (const bad of ['a\nb', 'a\rb', '<b>', 'a > b']) expect(hasMarkupOrLineBreak(bad)).toBe(true);
    expect(hasMarkupOrLineBreak("Zoë O'Brien-Smith")).toBe(false);
    expect(singleLineText(10).parse('  Pat  ')).toBe('Pat');
    expect(singleLineText(10).safeParse('<script>').error?.issues[0]?.message).toBe('No line breaks, < or >');
    expect(singleLineText(3).safeParse('abcd').error?.issues[0]?.message).toBe('Use at most 3 characters');
  });

  it("gives a person name the caller's messages", () => {
    const name = personName({ required: 'req', tooLong: 'long', invalid: 'bad' });
    expect(name.safeParse('  ').error?.issues[0]?.message).toBe('req');
    expect(name.safeParse('x'.repeat(101)).error?.issues[0]?.message).toBe('long');
    expect(name.safeParse('a\nb').error?.issues[0]?.message).toBe('bad');
    expect(name.parse(' Ann ')).toBe('Ann');
  });
  it('cleans a name from elsewhere to the same rules: controls and < > out, one space, at most 100 code points', () => {
    expect(cleanPersonName(' Ann\r\n\u0000<b>Lee\u009f ')).toBe('Ann b Lee');
    const long = cleanPersonName(`a${'😀'.repeat(150)}`);
    expect(long).toHaveLength(99); // the 50th emoji would be cut in half: it goes whole
    expect(Array.from(long)).toHaveLength(50);
    expect(personName({ required: 'r', tooLong: 'l', invalid: 'i' }).safeParse(cleanPersonName(`x${'\n<>'.repeat(3000)}y`)).success).toBe(true);
    expect(cleanPersonName('\u0000\n')).toBe('');
  });
});
