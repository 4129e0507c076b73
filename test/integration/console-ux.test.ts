// The console for a technician's first day (issue 16, items 6 and 8): looking needs no recent sign-in,
// saving does and comes back to the form as typed (email token and Microsoft); confirmations before
// destructive buttons, enforced by the server; console error pages lead into the console; the error
// banner lists every field; internationalized domains in Unicode; the audit log for people.
import { startFakeEntra, type FakeEntra } from '../fakes/entra.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { confirmOnPage, postForm, staffAgent } from '../helpers/console.js';
import { createCompany, createContact } from '../helpers/factories.js';
import { formsFrom, formsTo, submit } from '../helpers/forms.js';
import { linkFrom } from '../helpers/http.js';

const MSP = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const client = { clientId: '0c0c0c0c-1111-4222-8333-444444444444', clientSecret: 'entra-test-secret' };
const STALE = 16 * 60_000;

let entra: FakeEntra;
let t: TestApp;
type Agent = ReturnType<TestApp['agent']>;

beforeAll(async () => {
  entra = await startFakeEntra({ ...client, redirectUris: ['http://portal.test.example/admin/auth/microsoft/callback'], tenants: [MSP] });
  t = await startTestApp({
    env: {
      MICROSOFT_CLIENT_ID: client.clientId,
      MICROSOFT_CLIENT_SECRET: client.clientSecret,
      MICROSOFT_AUTHORITY: entra.authority,
      MSP_TENANT_ID: MSP,
      SIGNIN_RATE_LIMIT_PER_IP: '10000/15m',
    },
  });
});
afterAll(async () => {
  await t.close();
  await entra.close();
});

const inputValue = (html: string, name: string) => new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(html)?.[1];

/** Signs in again on the console sign-in page the redirect leads to, by the link in the mail, as the page renders it. */
async function signInAgainByMail(agent: Agent, location: string, email: string) {
  const page = await agent.get(location);
  expect(page.status).toBe(200);
  const [form] = formsTo(page.text, '/admin/signin/email');
  expect(form!.fields.email).toBe(email);
  const before = t.smtp.messages.length;
  expect((await submit(agent, form!)).status).toBe(200);
  await t.settle();
  const link = linkFrom(await t.smtp.waitForMail(email, { after: before }));
  const confirm = await agent.get(link.pathname + link.search);
  const [verify] = formsTo(confirm.text, '/admin/signin/verify');
  return submit(agent, verify!);
}

describe('a sign-in older than 15 minutes', () => {
  it('still opens every admin page to look at', async () => {
    const { agent } = await staffAgent(t, 'admin');
    t.clock.advance(STALE);
    for (const page of [
      '/admin/settings/mail-token',
      '/admin/settings/access',
      '/admin/settings/portal',
      '/admin/settings/login-url',
      '/admin/staff',
      '/admin/api-keys',
    ]) {
      expect({ page, status: (await agent.get(page)).status }).toEqual({ page, status: 200 });
    }
  });

  it('keeps a change for after the sign-in again (email token): address filled in, the form back as typed, saved only by Save', async () => {
    const { agent, member } = await staffAgent(t, 'admin');
    const page = await agent.get('/admin/settings/mail-token');
    t.clock.advance(STALE);
    const [form] = formsTo(page.text, '/admin/settings/mail-token');
    const typed = { portalName: 'Typed Before Signing In Again', tokenMinutes: '12' };
    const stale = await submit(agent, form!, typed);
    expect(stale.status).toBe(303);
    const location = new URL(stale.headers.location, 'http://x');
    expect(location.pathname).toBe('/admin/signin');
    expect(location.searchParams.get('email')).toBe(member.email);
    expect((await t.services.settings.get('mail_token')).portalName).not.toBe(typed.portalName);

    const signIn = await agent.get(stale.headers.location);
    expect(signIn.text).toContain('sign in again');
    expect(inputValue(signIn.text, 'email')).toBe(member.email);
    // The Microsoft button carries the address and the way back too.
    expect(signIn.text).toContain(
      `/admin/auth/microsoft?${new URLSearchParams({ returnTo: '/admin/settings/mail-token', login_hint: member.email })}`.replace(/&/g, '&amp;'),
    );

    const done = await signInAgainByMail(agent, stale.headers.location, member.email);
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/admin/settings/mail-token');
    const back = await agent.get(done.headers.location);
    expect(back.text).toContain('not saved yet');
    expect(inputValue(back.text, 'portalName')).toBe(typed.portalName);
    expect(inputValue(back.text, 'tokenMinutes')).toBe('12');
    expect((await t.services.settings.get('mail_token')).portalName).not.toBe(typed.portalName);

    // The session is new: the form from before the sign-in again is refused (its CSRF token is gone).
    expect((await submit(agent, form!, typed)).status).toBe(403);
    const [again] = formsTo(back.text, '/admin/settings/mail-token');
    expect(again!.fields._csrf).not.toBe(form!.fields._csrf);
    expect((await submit(agent, again!)).status).toBe(303);
    expect(await t.services.settings.get('mail_token')).toMatchObject({ portalName: typed.portalName, tokenMinutes: 12 });
    // Shown once: the next visit shows what is saved, without the notice.
    expect((await agent.get('/admin/settings/mail-token')).text).not.toContain('not saved yet');
  });

  it('keeps a change for after a Microsoft sign-in again, and keeps no secret or CSRF token', async () => {
    const { agent, member } = await staffAgent(t, 'admin');
    const page = await agent.get('/admin/staff');
    t.clock.advance(STALE);
    const [add] = formsTo(page.text, '/admin/staff');
    const stale = await submit(agent, add!, { email: 'new.tech@msp.example', name: 'Nina New', role: 'admin', password: 'never-kept' });
    expect(stale.status).toBe(303);
    const signIn = await agent.get(stale.headers.location);
    const microsoft = /href="(\/admin\/auth\/microsoft\?[^"]+)"/.exec(signIn.text)![1]!.replace(/&amp;/g, '&');
    entra.next({ tenant: MSP, oid: '00000000-0000-4000-8000-000000000aaa', email: member.email, preferredUsername: member.email });
    const start = await agent.get(microsoft);
    expect(new URL(start.headers.location).searchParams.get('login_hint')).toBe(member.email);
    const callback = await entra.authorize(start.headers.location);
    const done = await agent.get(callback.pathname + callback.search);
    expect(done.headers.location).toBe('/admin/staff');
    const back = await agent.get('/admin/staff');
    expect(back.text).toContain('not saved yet');
    const [filled] = formsTo(back.text, '/admin/staff');
    expect(filled!.fields).toMatchObject({ email: 'new.tech@msp.example', name: 'Nina New', role: 'admin' });
    expect(back.text).not.toContain('never-kept');
    expect(await t.services.db('staff').where({ email: 'new.tech@msp.example' }).first()).toBeUndefined();
  });

  it('offers a change without a form of its own (revoke a key) to be made with one click, after showing it', async () => {
    const { agent } = await staffAgent(t, 'admin');
    await postForm(agent, '/admin/api-keys', '/admin/api-keys', { name: 'Kept revoke' });
    const row = await t.services.db('api_keys').where({ name: 'Kept revoke' }).first();
    const page = await agent.get('/admin/api-keys');
    t.clock.advance(STALE);
    const [revoke] = formsTo(page.text, `/admin/api-keys/${row.id}/revoke`);
    const stale = await submit(agent, revoke!);
    expect(stale.status).toBe(303);
    // Signed in again by a staff magic link in the same browser, as the same person.
    const { link } = await t.services.magicLinks.generateForStaff(row.created_by);
    const url = new URL(link);
    const confirm = await agent.get(url.pathname + url.search);
    await submit(
      agent,
      formsFrom(confirm.text).find((f) => f.fields.token)!,
    );
    const back = await agent.get('/admin/api-keys');
    expect(back.text).toContain('not made yet');
    expect((await t.services.db('api_keys').where({ id: row.id }).first()).revoked_at).toBeNull();
    expect(back.text).toContain('Make this change now');
    // The kept change is the first form to that action (above the list); sending it still asks to confirm the revoke.
    const [make] = formsTo(back.text, `/admin/api-keys/${row.id}/revoke`);
    const asked = await submit(agent, make!);
    expect(asked.status).toBe(200);
    expect(asked.text).toContain('Revoke the API key');
    expect((await confirmOnPage(agent, asked)).status).toBe(303);
    expect((await t.services.db('api_keys').where({ id: row.id }).first()).revoked_at).not.toBeNull();
  });

  it('shows a kept change only to the staff member who typed it', async () => {
    const { agent } = await staffAgent(t, 'admin');
    const page = await agent.get('/admin/settings/mail-token');
    t.clock.advance(STALE);
    await submit(agent, formsTo(page.text, '/admin/settings/mail-token')[0]!, { portalName: 'Only Mine' });
    const other = await t.services.staff.create({ email: `other-${Date.now()}@msp.example`, name: 'Otto Other', role: 'admin' });
    const { link } = await t.services.magicLinks.generateForStaff(other.id);
    const url = new URL(link);
    const confirm = await agent.get(url.pathname + url.search);
    await submit(
      agent,
      formsFrom(confirm.text).find((f) => f.fields.token)!,
    );
    const seen = await agent.get('/admin/settings/mail-token');
    expect(seen.text).toContain('Otto Other');
    expect(seen.text).not.toContain('Only Mine');
  });
});

describe('confirmations before destructive buttons', () => {
  it('asks before disabling a contact, in the page (data-confirm) and on the server without JavaScript', async () => {
    const { agent: tech } = await staffAgent(t, 'technician');
    const contact = await createContact(t.services.db, { firstName: 'Dora', lastName: 'Disable' });
    const url = `/admin/contacts/${contact.id}`;
    const page = await tech.get(url);
    expect(page.text).toMatch(new RegExp(`action="${url}/disable" data-confirm="Disable Dora Disable`));
    const [form] = formsTo(page.text, `${url}/disable`);
    const asked = await submit(tech, form!);
    expect(asked.status).toBe(200);
    expect(asked.text).toContain('Disable Dora Disable');
    expect(asked.text).toContain(`href="${url}"`);
    expect((await t.services.db('contacts').where({ id: contact.id }).first()).status).toBe('active');
    expect((await confirmOnPage(tech, asked)).status).toBe(303);
    expect((await t.services.db('contacts').where({ id: contact.id }).first()).status).toBe('disabled');
  });

  it('asks before removing a domain and deleting a company', async () => {
    const { agent: tech } = await staffAgent(t, 'technician');
    const company = await createCompany(t.services.db, { name: 'Goner Ltd', domains: ['goner.example'] });
    const url = `/admin/companies/${company.id}`;
    const domainId = (await t.services.db('company_domains').where({ domain: 'goner.example' }).first()).id;
    const page = await tech.get(url);
    expect(page.text).toContain('data-confirm="Remove the domain goner.example from Goner Ltd?"');
    expect(page.text).toContain('data-confirm="Delete the company Goner Ltd?');
    const askedDomain = await submit(tech, formsTo(page.text, `${url}/domains/${domainId}/delete`)[0]!);
    expect(askedDomain.text).toContain('Remove the domain goner.example from Goner Ltd?');
    expect(await t.services.db('company_domains').where({ id: domainId }).first()).toBeDefined();
    expect((await confirmOnPage(tech, askedDomain)).status).toBe(303);
    expect(await t.services.db('company_domains').where({ id: domainId }).first()).toBeUndefined();

    const askedDelete = await submit(tech, formsTo((await tech.get(url)).text, `${url}/delete`)[0]!);
    expect(askedDelete.status).toBe(200);
    expect(await t.services.db('companies').where({ id: company.id }).first()).toBeDefined();
    expect((await confirmOnPage(tech, askedDelete)).headers.location).toBe('/admin/companies');
    expect(await t.services.db('companies').where({ id: company.id }).first()).toBeUndefined();
  });

  it('asks before disabling a staff member and revoking an API key, not before a role change', async () => {
    const { agent: admin } = await staffAgent(t, 'admin');
    const other = await t.services.staff.create({ email: `dis-${Date.now()}@msp.example`, name: 'Dieter Disabled', role: 'technician' });
    const page = await admin.get('/admin/staff');
    const [row] = formsTo(page.text, `/admin/staff/${other.id}`);
    expect(page.text).toContain('data-confirm="Disable Dieter Disabled');
    expect((await submit(admin, row!, { role: 'admin' })).status).toBe(303);
    const asked = await submit(admin, formsTo((await admin.get('/admin/staff')).text, `/admin/staff/${other.id}`)[0]!, { disabled: 'on' });
    expect(asked.status).toBe(200);
    expect(asked.text).toContain('Disable Dieter Disabled');
    expect((await t.services.db('staff').where({ id: other.id }).first()).disabled).toBe(false);
    expect((await confirmOnPage(admin, asked)).status).toBe(303);
    expect(await t.services.db('staff').where({ id: other.id }).first()).toMatchObject({ disabled: true, role: 'admin' });

    await postForm(admin, '/admin/api-keys', '/admin/api-keys', { name: 'To revoke' });
    const key = await t.services.db('api_keys').where({ name: 'To revoke' }).first();
    const keys = await admin.get('/admin/api-keys');
    expect(keys.text).toContain('data-confirm="Revoke the API key &quot;To revoke&quot;?');
    const askedKey = await submit(admin, formsTo(keys.text, `/admin/api-keys/${key.id}/revoke`)[0]!);
    expect(askedKey.text).toContain('Revoke the API key');
    expect((await t.services.db('api_keys').where({ id: key.id }).first()).revoked_at).toBeNull();
    expect((await confirmOnPage(admin, askedKey)).status).toBe(303);
    expect((await t.services.db('api_keys').where({ id: key.id }).first()).revoked_at).not.toBeNull();
  });
});

describe('console error pages', () => {
  it("lead back into the console, while the portal's lead to the client sign-in", async () => {
    const { agent: tech } = await staffAgent(t, 'technician');
    const missing = await tech.get('/admin/no-such-page');
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('<a href="/admin">Back to the console</a>');
    expect(missing.text).not.toContain('href="/signin"');
    const forbidden = await tech.get('/admin/staff');
    expect(forbidden.status).toBe(403);
    expect(forbidden.text).toContain('<a href="/admin">Back to the console</a>');
    const expired = await tech.post('/admin/companies').type('form').send({ _csrf: 'stale', name: 'X' });
    expect(expired.status).toBe(403);
    expect(expired.text).toContain('<a href="/admin">Back to the console</a>');
    const anonymous = await t.agent().get('/admin/no-such-page');
    expect(anonymous.status).toBe(404);
    expect(anonymous.text).toContain('href="/admin"');
    const portal = await t.agent().get('/no-such-page');
    expect(portal.text).toContain('href="/signin"');
  });
});

describe('the error banner', () => {
  it('lists every field error, each a link to its field', async () => {
    const { agent: admin } = await staffAgent(t, 'admin');
    const page = await admin.get('/admin/settings/mail-token');
    const res = await submit(admin, formsTo(page.text, '/admin/settings/mail-token')[0]!, {
      fromAddress: 'not an address',
      tokenMinutes: '999',
      portalName: '',
    });
    expect(res.status).toBe(400);
    const banner = /<div class="flash flash-error error-summary" role="alert">([\s\S]*?)<\/div>/.exec(res.text)![1]!;
    for (const field of ['fromAddress', 'tokenMinutes', 'portalName']) expect(banner).toContain(`<a href="#${field}">`);
    expect(res.text).toContain('id="fromAddress"');
    expect(banner.match(/<li>/g)).toHaveLength(3);
  });
});

describe('internationalized domains', () => {
  it('are stored as punycode and shown in Unicode, with the punycode in small text', async () => {
    const { agent: tech } = await staffAgent(t, 'technician');
    const company = await createCompany(t.services.db, { name: 'Müller GmbH' });
    const url = `/admin/companies/${company.id}`;
    expect((await postForm(tech, url, `${url}/domains`, { domain: 'müller.example' })).status).toBe(303);
    expect(await t.services.db('company_domains').where({ company_id: company.id }).first()).toMatchObject({ domain: 'xn--mller-kva.example' });
    const page = await tech.get(url);
    expect(page.text).toContain('<span class="domain">müller.example <small class="muted punycode">xn--mller-kva.example</small></span>');
    expect(page.text).toContain('data-confirm="Remove the domain müller.example (xn--mller-kva.example) from Müller GmbH?"');
    const list = await tech.get('/admin/companies?q=M%C3%BCller');
    expect(list.text).toContain('<span class="domain">müller.example');
  });
});

describe('the audit log', () => {
  it('filters by a name or an address of a contact or staff member, and still by a contact id', async () => {
    const { agent: tech, member } = await staffAgent(t, 'technician', 'Frieda Filter');
    const erika = await createContact(t.services.db, { firstName: 'Erika', lastName: 'Mustermann', email: `erika-${Date.now()}@contoso.example` });
    const other = await createContact(t.services.db, { firstName: 'Otto', lastName: 'Normal' });
    for (const c of [erika, other]) {
      await postForm(tech, `/admin/contacts/${c.id}`, `/admin/contacts/${c.id}/sign-out-everywhere`, {});
    }
    const byName = await tech.get('/admin/audit?contact=mustermann');
    expect(byName.text).toContain(`href="/admin/contacts/${erika.id}">Erika Mustermann</a>`);
    expect(byName.text).not.toContain('Otto Normal');
    const byEmail = await tech.get(`/admin/audit?contact=${encodeURIComponent(erika.email.toUpperCase())}`);
    expect(byEmail.text).toContain('Erika Mustermann');
    expect(byEmail.text).not.toContain('Otto Normal');
    expect(inputValue(byEmail.text, 'contact')).toBe(erika.email.toUpperCase());
    const byId = await tech.get(`/admin/audit?contact=${other.id}`);
    expect(byId.text).toContain('Otto Normal');
    expect(byId.text).not.toContain('Erika Mustermann');
    const byStaffName = await tech.get('/admin/audit?contact=frieda');
    expect(byStaffName.text).toContain('Signed a contact out everywhere');
    expect(byStaffName.text).toContain(member.email);
    const nobody = await tech.get('/admin/audit?contact=no-such-person-anywhere');
    expect(nobody.text).toContain('No events by or about');
  });

  it('shows events as people read them: names with links, actions and details in words, no JSON', async () => {
    const { agent: admin, member } = await staffAgent(t, 'admin', 'Rita Readable');
    const company = await createCompany(t.services.db, { name: 'Readable AG' });
    await postForm(admin, `/admin/companies/${company.id}`, `/admin/companies/${company.id}/domains`, { domain: 'bücher.example' });
    const contact = await createContact(t.services.db, { companyId: company.id, firstName: 'Rudi', lastName: 'Reader' });
    await postForm(admin, `/admin/contacts/${contact.id}`, `/admin/contacts/${contact.id}/sign-out-everywhere`, {});
    await t.services.audit.record({ action: 'custom.thing_happened', actor: { type: 'system' }, detail: { someKey: true, list: ['a', 'b'] } });
    const page = await admin.get('/admin/audit');
    expect(page.text).not.toMatch(/\{&#34;|\{"|&quot;\w+&quot;:/);
    expect(page.text).toContain('<td>Added a domain</td>');
    expect(page.text).toContain(`<a href="/admin/audit?staff=${member.id}">Rita Readable</a> <span class="muted party-email">${member.email}</span>`);
    expect(page.text).toContain(`<a href="/admin/companies/${company.id}">Readable AG</a>`);
    expect(page.text).toContain('<li>Domain: bücher.example (xn--bcher-kva.example)</li>');
    expect(page.text).toContain(`<a href="/admin/contacts/${contact.id}">Rudi Reader</a>`);
    expect(page.text).toContain('<li>Sessions ended: 0</li>');
    expect(page.text).toContain('<li>Method: magic link</li>');
    expect(page.text).toContain('<td>Custom: thing happened</td>');
    expect(page.text).toContain('<li>Some key: yes</li>');
    expect(page.text).toContain('<li>List: a, b</li>');

    // The dashboard's recent sign-ins too.
    const dashboard = await admin.get('/admin');
    expect(dashboard.text).toContain(`<a href="/admin/audit?staff=${member.id}">Rita Readable</a>`);
    expect(dashboard.text).toContain('<td>magic link</td>');
    expect(dashboard.text).not.toContain('(staff)');
  });
});
