// Mail kept in the log without SMTP_URL: the link and the code stand on lines (or in JSON fields) of
// their own, so what a person copies is exactly the link; everything else stays redacted.
import { Writable } from 'node:stream';
import { devMailFields, formatDevMail, writeDevMail, type LoggedMail } from '../../src/mail/dev-mail.js';
import { defaultDevMailOutput, createMailTransport } from '../../src/mail/transport.js';
import { createLogger, unredactedSignInLogger } from '../../src/lib/logger.js';

const LINK = 'http://localhost:3000/signin/verify?token=0b7f3c1e-8a4d-4f55-9c1b-2f0e6d7a9b10.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE';
const mail: LoggedMail = {
  to: 'alex@contoso.example',
  subject: 'Your sign-in link for Portico',
  text: `Portico\n\nLogin now: ${LINK}\n\nOr enter this code on the sign-in page: ABCD-EFGH\n`,
  signIn: { link: LINK, code: 'ABCD-EFGH' },
};

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger('info', sink), lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('the human block (stdout is a terminal)', () => {
  it('puts the link and the code each alone on a line, with nothing after them', () => {
    const lines = formatDevMail(mail).split('\n');
    expect(lines).toContain(LINK);
    expect(lines).toContain('ABCD-EFGH');
    expect(lines.indexOf('Code:')).toBe(lines.indexOf('ABCD-EFGH') - 1);
    expect(lines.some((l) => l.includes('\\n'))).toBe(false);
    expect(formatDevMail(mail)).toContain('Mail NOT sent (no SMTP_URL configured)');
    // The mail's own text follows, with real line breaks, indented.
    expect(lines).toContain('  Or enter this code on the sign-in page: ABCD-EFGH');
  });

  it('a mail without a sign-in link (the test mail) has no link or code lines', () => {
    const text = formatDevMail({ to: 'ada@msp.example', subject: 'Test mail from Portico', text: 'It works.\n' });
    expect(text).not.toContain('Sign-in link');
    expect(text).not.toContain('Code:');
    expect(text).toContain('  It works.');
  });

  it('goes to the terminal, and the log gets a line without link or code', () => {
    const { logger, lines } = capture();
    let written = '';
    writeDevMail(mail, logger, { kind: 'pretty', write: (s) => (written += s) });
    expect(written).toBe(formatDevMail(mail));
    const [line] = lines();
    expect(line).toMatchObject({ to: mail.to, subject: mail.subject, msg: 'mail logged, not sent (no SMTP_URL configured)' });
    expect(JSON.stringify(line)).not.toContain('AbCdEfGh');
    expect(JSON.stringify(line)).not.toContain('ABCD-EFGH');
  });

  it('is chosen when stdout is a TTY, JSON otherwise', () => {
    expect(defaultDevMailOutput({ isTTY: true, write: () => true } as unknown as NodeJS.WriteStream).kind).toBe('pretty');
    expect(defaultDevMailOutput({ isTTY: false } as unknown as NodeJS.WriteStream).kind).toBe('json');
  });
});

describe('the JSON line (stdout is not a terminal)', () => {
  it('holds the link and the code in fields of their own, clean, before the text', () => {
    const { logger, lines } = capture();
    writeDevMail(mail, logger, { kind: 'json' });
    const [line] = lines();
    expect(line!.link).toBe(LINK);
    expect(line!.code).toBe('ABCD-EFGH');
    expect(line!.msg).toBe('mail logged, not sent (no SMTP_URL configured)');
    expect(Object.keys(devMailFields(mail))).toEqual(['to', 'subject', 'link', 'code', 'text']);
  });

  it('the log transport (no SMTP_URL) writes it, and reports itself as "log"', async () => {
    const { logger, lines } = capture();
    const transport = createMailTransport(undefined, logger, { devMail: { kind: 'json' } });
    expect(transport.kind).toBe('log');
    await transport.send({ ...mail, from: { name: 'Portico', address: 'portal@msp.example' }, html: '<p></p>' });
    expect(lines()[0]!.link).toBe(LINK);
  });

  it('only the sign-in child writes a link field; tokens, secrets and passwords stay redacted everywhere', () => {
    const { logger, lines } = capture();
    logger.info({ link: LINK, token: 't', secret: 's' }, 'ordinary');
    unredactedSignInLogger(logger).info({ link: LINK, token: 't', secret: 's', password: 'p' }, 'mail');
    const [ordinary, signIn] = lines();
    expect(ordinary).toMatchObject({ link: '[redacted]', token: '[redacted]', secret: '[redacted]' });
    expect(signIn).toMatchObject({ link: LINK, token: '[redacted]', secret: '[redacted]', password: '[redacted]' });
  });
});
