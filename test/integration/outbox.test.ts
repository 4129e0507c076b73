// The durable outbox: mail waits while SMTP is down and goes out once, when it is back; without
// SMTP_URL the mail (and its link) is written to the log instead, and marked "logged", not "sent".
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createContact } from '../helpers/factories.js';
import { confirmLink, linkFrom, requestToken } from '../helpers/http.js';

describe('with SMTP down and back', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('keeps the mail with its error, retries with backoff, sends it once, and the token still works', async () => {
    const contact = await createContact(t.services.db, { email: `outage-${Date.now()}@contoso.example` });
    t.smtp.setAccepting(false);
    const agent = t.agent();
    await requestToken(agent, contact.email);
    await t.settle();

    const failed = await t.services.db('outbox').where({ to_address: contact.email }).first();
    expect(failed.status).toBe('pending');
    expect(failed.attempts).toBe(1);
    expect(failed.last_error).toContain('Service unavailable');
    expect(failed.sealed_body).not.toBeNull();
    expect(new Date(failed.next_attempt_at).getTime()).toBeGreaterThan(t.clock.now().getTime());

    // Not due yet: nothing is tried again before the backoff has passed.
    await t.services.mailWorker.runOnce();
    expect((await t.services.db('outbox').where({ id: failed.id }).first()).attempts).toBe(1);

    t.smtp.setAccepting(true);
    t.clock.advance(6_000);
    await t.services.mailWorker.runOnce();
    const mail = await t.smtp.waitForMail(contact.email);
    const sent = await t.services.db('outbox').where({ id: failed.id }).first();
    expect(sent.status).toBe('sent');
    expect(sent.attempts).toBe(2);
    expect(sent.sealed_body).toBeNull();

    await t.services.mailWorker.runOnce();
    expect(t.smtp.messages.filter((m) => m.text?.includes(contact.email))).toHaveLength(1);
    expect((await confirmLink(agent, linkFrom(mail))).status).toBe(303);
  });

  it('stores the mail body encrypted, never the link or code in clear', async () => {
    const contact = await createContact(t.services.db, { email: `sealed-${Date.now()}@contoso.example` });
    t.smtp.setAccepting(false);
    try {
      await requestToken(t.agent(), contact.email);
      await t.settle();
      const row = await t.services.db('outbox').where({ to_address: contact.email }).first();
      const body = t.services.outbox.open(row.sealed_body);
      const token = /token=([^"\s]+)/.exec(body.text)![1]!;
      expect(row.sealed_body).not.toContain(token.split('.')[1]);
      expect(body.text).toContain('Login now');
      const stored = await t.services.db('login_tokens').where({ email: contact.email }).first();
      expect(JSON.stringify(stored)).not.toContain(token.split('.')[1]);
    } finally {
      t.smtp.setAccepting(true);
    }
  });
});

describe('without SMTP_URL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ noSmtp: true });
  });
  afterAll(async () => t.close());

  it('keeps the mail in the outbox as "logged" and writes its link to the log, so a fresh install can sign in', async () => {
    const contact = await createContact(t.services.db, { email: `nosmtp-${Date.now()}@contoso.example` });
    const agent = t.agent();
    await requestToken(agent, contact.email);
    await t.settle();
    const line = t
      .logs()
      .split('\n')
      .find((l) => l.includes('no SMTP_URL configured') && l.includes(contact.email));
    expect(line).toBeDefined();
    const { link } = JSON.parse(line!);
    expect((await confirmLink(agent, new URL(link))).status).toBe(303);
    const row = await t.services.db('outbox').where({ to_address: contact.email }).first();
    expect(row.status).toBe('logged');
    expect(row.sent_at).toBeNull();
  });
});
