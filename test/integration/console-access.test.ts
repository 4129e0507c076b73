// Who may open which console page: every console route walked as anonymous, as a signed-in client,
// as a technician and as an admin. Plus staff sign-in, the 15-minute rule and `admin:create`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { clientAgent, postForm, staffAgent } from '../helpers/console.js';
import { createCompany, createContact } from '../helpers/factories.js';
import { codeFrom, csrfFrom } from '../helpers/http.js';

let t: TestApp;
let ids: { company: number; contact: number; mail: number; domain: number; tenant: number; staff: number };
type Agent = ReturnType<TestApp['agent']>;
let agents: Record<'anonymous' | 'client' | 'technician' | 'admin', Agent>;

beforeAll(async () => {
  t = await startTestApp({ env: { SIGNIN_RATE_LIMIT_PER_IP: '10000/15m' } });
  const company = await createCompany(t.services.db, { name: 'Walkthrough Ltd', domains: ['walkthrough.example'] });
  const [tenant] = await t.services.db('company_tenants').insert({ company_id: company.id, tenant_id: '11111111-2222-3333-4444-555555555555' }).returning('id');
  const domain = await t.services.db('company_domains').where({ company_id: company.id }).first('id');
  const contact = await createContact(t.services.db, { companyId: company.id, email: 'walk@walkthrough.example' });
  const admin = await staffAgent(t, 'admin');
  const technician = await staffAgent(t, 'technician');
  const client = await clientAgent(t, company.id);
  const mail = await t.services.db('outbox').first('id');
  ids = { company: company.id, contact: contact.id, mail: Number(mail.id), domain: domain.id, tenant: tenant.id, staff: technician.member.id };
  agents = { anonymous: t.agent(), client: client.agent, technician: technician.agent, admin: admin.agent };
});
afterAll(async () => t.close());

const STAFF = { anonymous: 303, client: 303, technician: 200, admin: 200 };
const ADMIN = { anonymous: 303, client: 303, technician: 403, admin: 200 };
const pages: Array<[string, () => string, typeof STAFF]> = [
  ['dashboard', () => '/admin', STAFF],
  ['companies', () => '/admin/companies?q=walk&page=1', STAFF],
  ['new company', () => '/admin/companies/new', STAFF],
  ['company', () => `/admin/companies/${ids.company}`, STAFF],
  ['contacts', () => '/admin/contacts?q=walk', STAFF],
  ['new contact', () => '/admin/contacts/new', STAFF],
  ['contact', () => `/admin/contacts/${ids.contact}`, STAFF],
  ['import', () => '/admin/contacts/import', STAFF],
  ['outbox', () => '/admin/outbox', STAFF],
  ['psa', () => '/admin/psa', STAFF],
  ['audit', () => '/admin/audit?action=signin.success', STAFF],
  ['mail token settings', () => '/admin/settings/mail-token', ADMIN],
  ['sign-in settings', () => '/admin/settings/access', ADMIN],
  ['staff', () => '/admin/staff', ADMIN],
  ['api keys', () => '/admin/api-keys', ADMIN],
];

describe.each(Object.keys(STAFF) as Array<keyof typeof STAFF>)('as %s', (who) => {
  it.each(pages)('GET %s', async (_name, url, expected) => {
    const res = await agents[who].get(url());
    expect(res.status).toBe(expected[who]);
    if (res.status === 303) expect(res.headers.location).toMatch(/^\/admin\/signin/);
  });

  it('GET /admin/signin answers 200', async () => {
    expect((await agents[who].get('/admin/signin')).status).toBe(200);
  });

  // Each state-changing console route, posted with a valid CSRF token of the caller's console session.
  const posts: Array<[string, () => string, Record<string, number>]> = [
    ['create company', () => '/admin/companies', { technician: 400, admin: 400 }],
    ['edit company', () => `/admin/companies/${ids.company}`, { technician: 400, admin: 400 }],
    ['add domain', () => `/admin/companies/${ids.company}/domains`, { technician: 400, admin: 400 }],
    ['remove domain', () => `/admin/companies/${ids.company}/domains/999999/delete`, { technician: 404, admin: 404 }],
    ['add tenant', () => `/admin/companies/${ids.company}/tenants`, { technician: 400, admin: 400 }],
    ['remove tenant', () => `/admin/companies/${ids.company}/tenants/999999/delete`, { technician: 404, admin: 404 }],
    ['delete company', () => `/admin/companies/999999/delete`, { technician: 404, admin: 404 }],
    ['create contact', () => '/admin/contacts', { technician: 400, admin: 400 }],
    ['edit contact', () => `/admin/contacts/${ids.contact}`, { technician: 400, admin: 400 }],
    ['disable contact', () => '/admin/contacts/999999/disable', { technician: 404, admin: 404 }],
    ['enable contact', () => '/admin/contacts/999999/enable', { technician: 404, admin: 404 }],
    ['sign out everywhere', () => '/admin/contacts/999999/sign-out-everywhere', { technician: 404, admin: 404 }],
    ['invite', () => '/admin/contacts/999999/invite', { technician: 404, admin: 404 }],
    ['magic link', () => '/admin/contacts/999999/magic-link', { technician: 404, admin: 404 }],
    ['send magic link', () => '/admin/contacts/999999/magic-link/send', { technician: 404, admin: 404 }],
    ['import preview', () => '/admin/contacts/import', { technician: 400, admin: 400 }],
    ['import apply', () => '/admin/contacts/import/apply', { technician: 400, admin: 400 }],
    ['retry mail', () => '/admin/outbox/999999/retry', { technician: 404, admin: 404 }],
    ['test PSA connection', () => '/admin/psa/test', { technician: 303, admin: 303 }],
    ['link PSA company', () => '/admin/psa/link', { technician: 409, admin: 409 }],
    ['mail token settings', () => '/admin/settings/mail-token', { technician: 403, admin: 400 }],
    ['test mail', () => '/admin/settings/mail-token/test', { technician: 403, admin: 303 }],
    ['sign-in settings', () => '/admin/settings/access', { technician: 403, admin: 400 }],
    ['add staff', () => '/admin/staff', { technician: 403, admin: 400 }],
    ['change staff', () => '/admin/staff/999999', { technician: 403, admin: 400 }],
    ['create API key', () => '/admin/api-keys', { technician: 403, admin: 400 }],
    ['revoke API key', () => '/admin/api-keys/999999/revoke', { technician: 403, admin: 404 }],
  ];
  it.each(posts)('POST %s', async (_name, url, expected) => {
    const page = await agents[who].get('/admin/signin');
    const res = await agents[who]
      .post(url())
      .type('form')
      .send({ _csrf: csrfFrom(page.text), name: '', domain: 'x', tenantId: 'x', email: 'bad' });
    expect(res.status).toBe(expected[who] ?? 303);
    if (res.status === 303) expect(res.headers.location).toMatch(who in expected ? /^\/admin\/(?!signin)/ : /^\/admin\/signin/);
    expect(res.text).not.toMatch(/\n\s+at /);
  });
});

it('refuses console POSTs without the console session CSRF token', async () => {
  const res = await agents.admin.post('/admin/companies').type('form').send({ name: 'No token' });
  expect(res.status).toBe(403);
  const portalToken = csrfFrom((await agents.client.get('/')).text);
  expect((await agents.client.post('/admin/companies').type('form').send({ _csrf: portalToken, name: 'Cross' })).status).toBe(403);
});

it('shows the staff member name on /admin', async () => {
  const { agent, member } = await staffAgent(t, 'technician', 'Tess Technician');
  const res = await agent.get('/admin');
  expect(res.text).toContain('Tess Technician');
  expect(member.role).toBe('technician');
});

describe('staff sign-in by email token', () => {
  it('mails staff a link and code; the code signs in to the console', async () => {
    const member = await t.services.staff.create({ email: `emailtoken-${Date.now()}@msp.example`, name: 'Eli Email', role: 'technician' });
    const agent = t.agent();
    const page = await agent.get('/admin/signin');
    expect(page.text).toContain('Technician sign-in');
    const answer = await agent
      .post('/admin/signin/email')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: member.email });
    expect(answer.status).toBe(200);
    await t.settle();
    const mail = await t.smtp.waitForMail(member.email);
    expect(mail.text).toContain('/admin/signin/verify?token=');
    const codePage = await agent.get('/admin/signin/code');
    const signedIn = await agent
      .post('/admin/signin/code')
      .type('form')
      .send({ _csrf: csrfFrom(codePage.text), code: codeFrom(mail) });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe('/admin');
    expect((await agent.get('/admin')).text).toContain('Eli Email');
    // The console session is not a portal session.
    expect((await agent.get('/')).status).toBe(303);
  });

  it('a contact address gets no console mail, and a staff address no portal mail', async () => {
    const member = await t.services.staff.create({ email: `nostaffportal-${Date.now()}@msp.example`, name: 'Nora', role: 'technician' });
    const agent = t.agent();
    const consolePage = await agent.get('/admin/signin');
    await agent
      .post('/admin/signin/email')
      .type('form')
      .send({ _csrf: csrfFrom(consolePage.text), email: 'walk@walkthrough.example' });
    const portalPage = await agent.get('/signin');
    await agent
      .post('/signin/email')
      .type('form')
      .send({ _csrf: csrfFrom(portalPage.text), email: member.email });
    await t.settle();
    expect(await t.services.db('login_tokens').where({ email: member.email })).toHaveLength(0);
    expect(await t.services.db('login_tokens').where({ email: 'walk@walkthrough.example', purpose: 'staff_email_token' })).toHaveLength(0);
  });

  it('can be turned off by an admin', async () => {
    await postForm(agents.admin, '/admin/settings/access', '/admin/settings/access', { magicLinksEnabled: 'on', magicLinkMinutes: '15' });
    try {
      const page = await t.agent().get('/admin/signin');
      expect(page.text).not.toContain('name="email"');
    } finally {
      await postForm(agents.admin, '/admin/settings/access', '/admin/settings/access', {
        staffEmailToken: 'on',
        magicLinksEnabled: 'on',
        magicLinkMinutes: '15',
      });
    }
    expect((await t.agent().get('/admin/signin')).text).toContain('name="email"');
  });
});

describe('changes to settings and staff need a recent sign-in', () => {
  it('asks an admin who signed in more than 15 minutes ago to sign in again before a change, not to look', async () => {
    const { agent, member } = await staffAgent(t, 'admin');
    const page = await agent.get('/admin/settings/mail-token');
    expect(page.status).toBe(200);
    t.clock.advance(16 * 60_000);
    expect((await agent.get('/admin/settings/mail-token')).status).toBe(200);
    const post = await agent
      .post('/admin/settings/mail-token')
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        enabled: 'on',
        portalName: 'Changed',
        fromAddress: 'a@b.example',
        fromName: 'X',
        tokenMinutes: '10',
        resendCooldownSeconds: '60',
      });
    expect(post.status).toBe(303);
    expect(post.headers.location).toBe(`/admin/signin?${new URLSearchParams({ again: '1', email: member.email, returnTo: '/admin/settings/mail-token' })}`);
    expect((await t.services.settings.get('mail_token')).portalName).not.toBe('Changed');
    expect((await agent.get(post.headers.location)).text).toContain('sign in again');
    // Everyday pages stay open.
    expect((await agent.get('/admin/companies')).status).toBe(200);
  });
});

describe('portico admin:create', () => {
  const cli = (dataDir: string, ...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'admin:create', ...args], {
      env: {
        PATH: process.env.PATH,
        DATA_DIR: dataDir,
        BASE_URL: 'http://portal.test.example',
        SESSION_SECRET: 'test-secret-that-is-long-enough-to-pass-validation',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('creates the first admin and prints a one-time sign-in link as its last line; refuses plainly while the server holds the embedded database', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'portico-cli-'));
    try {
      const created = cli(dataDir, '--email', 'first@msp.example', '--name', 'First Admin');
      expect(created.status).toBe(0);
      const link = new URL(created.stdout.trim().split('\n').at(-1)!);
      expect(link.origin + link.pathname).toBe('http://portal.test.example/admin/signin/link');

      const app = await startTestApp({ dataDir, env: { DATABASE_URL: '', REDIS_URL: '' } });
      try {
        const busy = cli(dataDir, '--email', 'second@msp.example', '--name', 'Second');
        expect(busy.status).toBe(1);
        expect(busy.stderr).toMatch(/in use by another Portico process/);
        expect(busy.stderr).not.toMatch(/\n\s+at /);

        const agent = app.agent();
        const confirm = await agent.get(link.pathname + link.search);
        expect(confirm.status).toBe(200);
        const done = await agent
          .post(link.pathname)
          .type('form')
          .send({ _csrf: csrfFrom(confirm.text), token: link.searchParams.get('token') });
        expect(done.headers.location).toBe('/admin');
        const home = await agent.get('/admin');
        expect(home.text).toContain('First Admin');
        expect(home.text).toContain('/admin/settings/mail-token');
        // Used once: opening it again leads to the sign-in page, which says so.
        const reused = await supertest(app.app).get(link.pathname + link.search);
        expect(reused.status).toBe(303);
        expect(reused.headers.location).toBe('/admin/signin?link=used');
      } finally {
        await app.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000); // two command processes and an embedded database opening: slow on a loaded machine

  it('explains what is missing', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'portico-cli-'));
    try {
      const result = cli(dataDir, '--email', 'not-an-address');
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('--email');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
