// The finished message built at queue time (src/mail/mime.ts) reads, to a mail parser, exactly as the
// one nodemailer composes from the same parts: subject (German, long, folded), sender name, text and
// HTML with long lines and non-ASCII characters, and it carries a Message-ID of the sender's domain.
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { buildMessage, type MessageParts } from '../../src/mail/mime.js';

const long = 'Anmeldung '.repeat(20);
const cases: Array<[string, MessageParts]> = [
  [
    'German subject and body, a name with specials',
    {
      from: { name: 'Contoso Kundenportal (MSP)', address: 'portal@msp.example' },
      to: 'alex@contoso.example',
      subject: 'Dein Anmeldelink für das Kundenportal – gültig für 10 Minuten, bitte nicht weitergeben',
      text: `Hallo,\n\nGrüße aus dem Portal: ${long}\nJetzt anmelden: https://portal.example/signin/verify?token=abc.def-ghi_jkl\nCode: ABCD-EFGH\n`,
      html: `<p>Grüße ${long}</p>\n<p><a href="https://portal.example/signin/verify?token=abc.def-ghi_jkl">Jetzt anmelden</a></p>`,
    },
  ],
  [
    'an ASCII name, an empty line at the end, a dot at the start of a line',
    {
      from: { name: 'MSP Support', address: 'support@msp.example' },
      to: 'sam@fabrikam.example',
      subject: 'Your sign-in link',
      text: 'Sign in:\n.hidden line\n\n',
      html: '<p>Sign in</p>\n.<p>dot</p>',
    },
  ],
];

it.each(cases)('%s: parses as nodemailer’s message does', async (_name, parts) => {
  const ours = await simpleParser(await buildMessage(parts, new Date('2026-12-03T10:00:00Z')));
  const theirs = await simpleParser(await new MailComposer(parts).compile().build());
  expect({ subject: ours.subject, from: ours.from?.value, to: ours.to, text: ours.text, html: ours.html }).toEqual({
    subject: theirs.subject,
    from: theirs.from?.value,
    to: theirs.to,
    text: theirs.text,
    html: theirs.html,
  });
  expect(ours.subject).toBe(parts.subject);
  expect(ours.date?.toISOString()).toBe('2026-12-03T10:00:00.000Z');
  expect(ours.messageId).toMatch(new RegExp(`^<[0-9a-f]{32}@${parts.from.address.split('@')[1]!.replace('.', '\\.')}>$`));
});

it('keeps every line within 78 characters and uses CRLF line ends only', async () => {
  const raw = await buildMessage(cases[0]![1], new Date());
  const lines = raw.split('\r\n');
  expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(78);
});

it('gives each message its own Message-ID', async () => {
  const ids = await Promise.all([1, 2, 3].map(async () => (await simpleParser(await buildMessage(cases[1]![1], new Date()))).messageId));
  expect(new Set(ids).size).toBe(3);
});

it('leaves an address it does not write itself (non-ASCII) to nodemailer', async () => {
  const parsed = await simpleParser(await buildMessage({ ...cases[1]![1], to: 'jörg@müller.example' }, new Date()));
  expect(parsed.text).toBe(cases[1]![1].text);
  expect(parsed.to).toMatchObject({ value: [{ address: 'jörg@müller.example' }] });
});

it('leaves a mail with an inline image to nodemailer, the image referred to by its cid', async () => {
  const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
  const parts = { ...cases[1]![1], html: '<img src="cid:logo@portal"><p>Sign in</p>' };
  const attachments = [{ filename: 'logo.png', contentType: 'image/png', cid: 'logo@portal', content: png, encoding: 'base64' }];
  const parsed = await simpleParser(await buildMessage({ ...parts, attachments }, new Date()));
  expect(parsed.attachments.map((a) => [a.contentType, a.cid, a.content.toString('base64')])).toEqual([['image/png', 'logo@portal', png]]);
  expect(parsed.text).toBe(parts.text);
});
