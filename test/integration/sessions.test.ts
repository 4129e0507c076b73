// Session storage: without Redis sessions live in the database and survive a restart; behind HTTPS
// the cookie is Secure.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import { startTestApp } from '../helpers/app.js';
import { createContact } from '../helpers/factories.js';
import { confirmLink, csrfFrom, linkFrom, requestToken } from '../helpers/http.js';

it('keeps signed-in sessions across a restart of the embedded default (no DATABASE_URL, no REDIS_URL)', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'portico-restart-'));
  const embedded = { DATABASE_URL: '', REDIS_URL: '' };
  try {
    const first = await startTestApp({ dataDir, env: embedded });
    let cookie: string;
    try {
      const contact = await createContact(first.services.db, { email: 'restart@contoso.example' });
      const agent = first.agent();
      await requestToken(agent, contact.email);
      await first.settle();
      const signedIn = await confirmLink(agent, linkFrom(await first.smtp.waitForMail(contact.email)));
      cookie = ([] as string[]).concat(signedIn.headers['set-cookie']).find((c) => c.startsWith('portico.sid='))!.split(';')[0]!;
      const stored = await first.services.db('http_sessions').count({ n: '*' }).first();
      expect(Number(stored!.n)).toBeGreaterThanOrEqual(1);
    } finally {
      await first.close();
    }
    const second = await startTestApp({ dataDir, env: embedded });
    try {
      const home = await supertest(second.app).get('/').set('Cookie', cookie);
      expect(home.status).toBe(200);
      expect(home.text).toContain('Pat Example');
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

it('marks the cookie Secure when BASE_URL is https (behind a proxy that says so)', async () => {
  const t = await startTestApp({ env: { BASE_URL: 'https://portal.test.example', TRUST_PROXY: 'true' } });
  try {
    const res = await supertest(t.app).get('/signin').set('X-Forwarded-Proto', 'https');
    // By hand: a cookie jar keeps Secure cookies off plain-http requests, and supertest speaks plain http.
    const csrfCookie = ([] as string[]).concat(res.headers['set-cookie']).find((c) => c.startsWith('portico.csrf='))!.split(';')[0]!;
    const requested = await supertest(t.app).post('/signin/email').set('X-Forwarded-Proto', 'https').set('Cookie', csrfCookie).type('form').send({ _csrf: csrfFrom(res.text), email: 'nobody@nowhere.example' });
    const cookies = [...([] as string[]).concat(res.headers['set-cookie']), ...([] as string[]).concat(requested.headers['set-cookie'])];
    for (const name of ['portico.csrf', 'portico.sid']) {
      const cookie = cookies.find((c) => c.startsWith(`${name}=`))!;
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; HttpOnly/);
    }
    expect(res.headers['strict-transport-security']).toBeDefined();
  } finally {
    await t.close();
  }
});

it('sends the security headers on every page', async () => {
  const t = await startTestApp();
  try {
    const res = await supertest(t.app).get('/signin');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
    const ready = await supertest(t.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', database: 'ok' });
    expect((await supertest(t.app).get('/healthz')).body).toEqual({ status: 'ok' });
    const missing = await supertest(t.app).get('/no/such/page');
    expect(missing.status).toBe(404);
    expect(missing.text).not.toMatch(/\n\s+at /);
  } finally {
    await t.close();
  }
});
