// Which spellings of an address share one mail budget (issue 15, Low 11), and which are refused.
import { budgetAddress, INVISIBLE_CHARACTERS } from '../../src/auth/email-token/address-budget.js';
import { requestSchema } from '../../src/auth/email-token/schema.js';
import { backoffDelayMs } from '../../src/http/rate-limit.js';

it('counts case, +tags, full-width letters and zero-width characters as the plain address', () => {
  for (const variant of [
    'alex@contoso.example',
    'ALEX@Contoso.Example',
    'alex+1@contoso.example',
    'alex+a+b@contoso.example',
    'ａｌｅｘ@contoso.example',
    'al\u200bex@contoso.example',
  ])
    expect([variant, budgetAddress(variant)]).toEqual([variant, 'alex@contoso.example']);
  // A leading "+" is the whole local part, not a tag.
  expect(budgetAddress('+1@contoso.example')).toBe('+1@contoso.example');
});

it('refuses invisible characters with their own message, and keeps the other address messages', () => {
  for (const invisible of ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u202e', '\u034f', '\u3164']) {
    expect(INVISIBLE_CHARACTERS.test(invisible)).toBe(true);
    const parsed = requestSchema.safeParse({ email: `al${invisible}ex@contoso.example` });
    expect(parsed.success ? undefined : parsed.error.issues[0]!.message).toBe('validation.email.invisible');
  }
  const lineBreak = requestSchema.safeParse({ email: 'alex@contoso.example\r\nBcc: x@y.example' });
  expect(lineBreak.success ? undefined : lineBreak.error.issues[0]!.message).toBe('validation.email.lineBreaks');
  expect(requestSchema.parse({ email: ' Alex@Contoso.example ' })).toEqual({ email: 'alex@contoso.example' });
});

it('waits nothing for the free tries, then 30 s doubling, at most the window', () => {
  const policy = { limit: 3, windowMs: 3_600_000, firstDelayMs: 30_000 };
  expect([0, 1, 2, 3, 4, 5, 20].map((count) => backoffDelayMs(policy, count))).toEqual([0, 0, 0, 30_000, 60_000, 120_000, 3_600_000]);
});
