// Which addresses share one mail budget. The budget is per person, not per spelling: `Alex@`,
// `alex+1@`, a full-width `ａｌｅｘ@` and one with a zero-width space all count as `alex@`. Only for
// counting: the mail goes to the address as typed (its case aside), and a "+tag" may matter to its
// mail server.

/** Characters that show nothing: zero-width spaces and joiners, bidi controls, soft hyphen, BOM
 * (Unicode's format class Cf), the combining grapheme joiner and the Hangul fillers. */
export const INVISIBLE_CHARACTERS = /[\p{Cf}\u034F\u115F\u1160\u3164\uFFA0]/u;
const INVISIBLE_GLOBAL = new RegExp(INVISIBLE_CHARACTERS.source, 'gu');

export function budgetAddress(email: string): string {
  const plain = email.normalize('NFKC').replace(INVISIBLE_GLOBAL, '').toLowerCase();
  const at = plain.lastIndexOf('@');
  if (at < 1) return plain;
  const local = plain.slice(0, at);
  const plus = local.indexOf('+');
  return `${plus > 0 ? local.slice(0, plus) : local}${plain.slice(at)}`;
}
