// Passkeys over HTTP, as a browser with a platform authenticator drives them: registration from the home
// page's offer and the Security page, sign-in without an address, and every rule that refuses one.
import { startTestApp, type TestApp } from '../helpers/app.js';
import { SoftAuthenticator } from '../helpers/authenticator.js';
import { clientAgent, confirmOnPage, staffAgent } from '../helpers/console.js';
import { createCompany } from '../helpers/factories.js';
import { formsTo, submit } from '../helpers/forms.js';
import { csrfFrom } from '../helpers/http.js';

type Agent = ReturnType<TestApp['agent']>;

let t: TestApp;
let origin: string;
let companyId: number;

beforeAll(async () => {
  t = await startTestApp();
  origin = t.config.baseUrl.origin;
  companyId = (await createCompany(t.services.db, { name: 'Passkey Co', domains: ['contoso.example'] })).id;
});
afterAll(() => t.close());

async function options(agent: Agent, url: string, page: string) {
  return agent.post(url).set('X-CSRF-Token', csrfFrom(page)).type('form').send({});
}

/** Adds a passkey the way the page's script does: options, the authenticator, the rendered form. */
async function addPasskey(agent: Agent, authenticator: SoftAuthenticator, security = '/account/security', fromPage = security, name?: string) {
  const page = await agent.get(fromPage);
  const [form] = formsTo(page.text, `${security}/passkeys`);
  if (!form) throw new Error(`no "Add a passkey" form on ${fromPage}`);
  const answer = await options(agent, `${security}/passkeys/options`, page.text);
  if (answer.status !== 200) return answer;
  return submit(agent, form, { response: JSON.stringify(authenticator.create(answer.body, origin)), ...(name === undefined ? {} : { name }) });
}

async function passkeySignIn(agent: Agent, authenticator: SoftAuthenticator, basePath = '/signin', pick?: { counter?: number }) {
  const page = await agent.get(basePath);
  const [form] = formsTo(page.text, `${basePath}/passkey`);
  if (!form) throw new Error(`no passkey form on ${basePath}`);
  const answer = await options(agent, `${basePath}/passkey/options`, page.text);
  expect(answer.status).toBe(200);
  const response = authenticator.get(answer.body, origin, pick);
  return { result: await submit(agent, form, { response: JSON.stringify(response) }), response, form };
}

const refused = (res: { status: number; headers: Record<string, string> }, basePath = '/signin') => {
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe(`${basePath}?passkey=failed`);
};

async function auditActions(action: string) {
  return t.services.db('audit_events').where({ action }).orderBy('id', 'desc');
}

describe('clients', () => {
  it('registers a passkey from the home page offer and signs in with it, with no address typed', async () => {
    const { agent, contact } = await clientAgent(t, companyId);
    await t.services.contactRepo.update(contact.id, { first_name: 'Pia', last_name: 'Keys' });
    const home = await agent.get('/');
    expect(home.text).toContain('data-passkey-offer');
    expect(home.text).toContain('/public/vendor/simplewebauthn-browser.js');
    const authenticator = new SoftAuthenticator();
    const added = await addPasskey(agent, authenticator, '/account/security', '/');
    expect(added.status).toBe(303);
    expect(added.headers.location).toBe('/');
    expect((await agent.get('/')).text).not.toContain('data-passkey-offer');
    const security = await agent.get('/account/security');
    expect(security.text).toMatch(/Passkey on|Passkey</);

    await agent
      .post('/signout')
      .type('form')
      .send({ _csrf: csrfFrom(security.text) });
    expect((await agent.get('/')).status).toBe(303);
    const browser = t.agent();
    const { result } = await passkeySignIn(browser, authenticator);
    expect(result.status).toBe(303);
    expect(result.headers.location).toBe('/');
    const signedIn = await browser.get('/');
    expect(signedIn.status).toBe(200);
    expect(signedIn.text).toContain(contact.email);
    const [used] = await auditActions('passkey.used');
    expect(used.subject_id).toBe(String(contact.id));
    const [success] = await t.services.db('audit_events').where({ action: 'signin.success', actor_id: contact.id }).orderBy('id', 'desc');
    expect(success.detail.method).toBe('passkey');
    expect(await auditActions('passkey.registered')).not.toHaveLength(0);
  });

  it('offers the sign-in button and passkey autofill on the sign-in page', async () => {
    const page = await t.agent().get('/signin');
    expect(page.text).toContain('autocomplete="username webauthn"');
    expect(page.text).toContain('Sign in with a passkey');
    expect(page.headers['permissions-policy']).toContain('publickey-credentials-get=(self)');
    const script = await t.agent().get('/public/vendor/simplewebauthn-browser.js');
    expect(script.status).toBe(200);
    expect(script.text).toContain('SimpleWebAuthnBrowser');
  });

  it('uses each challenge once, only in the browser that asked, for five minutes', async () => {
    const { agent } = await clientAgent(t, companyId);
    const authenticator = new SoftAuthenticator();
    expect((await addPasskey(agent, authenticator)).status).toBe(303);

    // One answer sent twice at once from the browser that asked: exactly one signs in.
    const browser = t.agent();
    const page = await browser.get('/signin');
    const [form] = formsTo(page.text, '/signin/passkey');
    const challenge0 = await options(browser, '/signin/passkey/options', page.text);
    const response = JSON.stringify(authenticator.get(challenge0.body, origin));
    const answers = await Promise.all([submit(browser, form!, { response }), submit(browser, form!, { response })]);
    expect(answers.map((a) => a.headers.location).sort()).toEqual(['/', '/signin?passkey=failed']);

    // A challenge fetched by one browser and answered from another: refused.
    const asker = t.agent();
    const askerPage = await asker.get('/signin');
    const challenge = await options(asker, '/signin/passkey/options', askerPage.text);
    const thief = t.agent();
    const thiefPage = await thief.get('/signin');
    refused(await submit(thief, formsTo(thiefPage.text, '/signin/passkey')[0]!, { response: JSON.stringify(authenticator.get(challenge.body, origin)) }));

    // Answered after five minutes: refused.
    const late = t.agent();
    const latePage = await late.get('/signin');
    const stale = await options(late, '/signin/passkey/options', latePage.text);
    t.clock.advance(5 * 60_000 + 1_000);
    refused(await submit(late, formsTo(latePage.text, '/signin/passkey')[0]!, { response: JSON.stringify(authenticator.get(stale.body, origin)) }));
    const reasons = (await auditActions('signin.failure')).filter((e) => e.detail.method === 'passkey').map((e) => e.detail.reason);
    expect(reasons).toEqual(expect.arrayContaining(['replayed', 'not_verified']));
  });

  it('refuses a counter that goes backwards (a cloned authenticator) and audits it; a passkey without a counter keeps working', async () => {
    const { agent, contact } = await clientAgent(t, companyId);
    const authenticator = new SoftAuthenticator({ counterStep: 5 });
    expect((await addPasskey(agent, authenticator)).status).toBe(303);
    expect((await passkeySignIn(t.agent(), authenticator)).result.headers.location).toBe('/');
    expect((await passkeySignIn(t.agent(), authenticator)).result.headers.location).toBe('/');
    refused((await passkeySignIn(t.agent(), authenticator, '/signin', { counter: 3 })).result);
    const [clone] = await auditActions('passkey.counter_regressed');
    expect(clone.subject_id).toBe(String(contact.id));
    expect(clone.detail).toMatchObject({ stored: 10, reported: 3 });

    const { agent: syncedOwner } = await clientAgent(t, companyId);
    const synced = new SoftAuthenticator({ counterStep: 0, synced: true });
    expect((await addPasskey(syncedOwner, synced)).status).toBe(303);
    for (let i = 0; i < 2; i++) expect((await passkeySignIn(t.agent(), synced)).result.headers.location).toBe('/');
    expect((await syncedOwner.get('/account/security')).text).toContain('Synced across your devices');
  });

  it('refuses disabled contacts, contacts moved to another company and the method turned off with the same plain message', async () => {
    const message = 'That passkey could not sign you in.';
    const { agent: a, contact: disabled } = await clientAgent(t, companyId);
    const keyA = new SoftAuthenticator();
    await addPasskey(a, keyA);
    await t.services.contactRepo.update(disabled.id, { status: 'disabled' });
    const one = t.agent();
    refused((await passkeySignIn(one, keyA)).result);
    expect((await one.get('/signin?passkey=failed')).text).toContain(message);

    const { agent: b, contact: moved } = await clientAgent(t, companyId);
    const keyB = new SoftAuthenticator();
    await addPasskey(b, keyB);
    const elsewhere = await createCompany(t.services.db, { name: 'Elsewhere Ltd', domains: ['elsewhere.example'] });
    await t.services.contactRepo.update(moved.id, { company_id: elsewhere.id });
    refused((await passkeySignIn(t.agent(), keyB)).result);

    const { agent: c } = await clientAgent(t, companyId);
    const keyC = new SoftAuthenticator();
    await addPasskey(c, keyC);
    const before = await t.services.settings.get('passkeys');
    await t.services.settings.set('passkeys', { ...before, clients: false }, null);
    try {
      // Turning passkeys off keeps the sessions that exist.
      expect((await c.get('/')).status).toBe(200);
      const visitor = t.agent();
      const page = await visitor.get('/signin');
      expect(page.text).not.toContain('Sign in with a passkey');
      const posted = await visitor.post('/signin/passkey/options').set('X-CSRF-Token', csrfFrom(page.text)).type('form').send({});
      expect(posted.status).toBe(404);
    } finally {
      await t.services.settings.set('passkeys', before, null);
    }
    const reasons = (await auditActions('signin.failure')).filter((e) => e.detail.method === 'passkey').map((e) => e.detail.reason);
    expect(reasons).toEqual(expect.arrayContaining(['subject_unusable', 'moved']));
  });

  it('refuses an answer made for another origin, and an authenticator that does not verify the user', async () => {
    const { agent } = await clientAgent(t, companyId);
    const page = await agent.get('/account/security');
    const answer = await options(agent, '/account/security/passkeys/options', page.text);
    const [form] = formsTo(page.text, '/account/security/passkeys');
    const phished = new SoftAuthenticator().create(answer.body, 'https://portal-login.example');
    const res = await submit(agent, form!, { response: JSON.stringify(phished) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account/security');
    expect((await agent.get('/account/security')).text).toContain('The passkey could not be added');

    const noUv = await addPasskey(agent, new SoftAuthenticator({ userVerification: false }));
    expect(noUv.headers.location).toBe('/account/security');
    expect(
      await t.services.passkeys.list({ kind: 'contact', id: (await t.services.db('auth_sessions').orderBy('created_at', 'desc').first()).contact_id }),
    ).toHaveLength(0);
  });

  it('needs a sign-in in the last 15 minutes to add a passkey', async () => {
    const { agent } = await clientAgent(t, companyId);
    t.clock.advance(16 * 60_000);
    const page = await agent.get('/account/security');
    expect(page.status).toBe(200);
    expect(page.text).toContain('sign in again first');
    expect(page.text).toContain('/signin?again=1&amp;returnTo=%2Faccount%2Fsecurity');
    const answer = await options(agent, '/account/security/passkeys/options', page.text);
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe('sign_in_again');
  });

  it('records how the session that added a passkey was signed in', async () => {
    const { agent } = await clientAgent(t, companyId);
    await addPasskey(agent, new SoftAuthenticator());
    const [registered] = await auditActions('passkey.registered');
    expect(registered.detail.signedInWith).toBe('email_link');
  });

  it('renames and removes passkeys on the Security page; a removed passkey no longer signs in', async () => {
    const { agent, contact } = await clientAgent(t, companyId);
    const authenticator = new SoftAuthenticator();
    await addPasskey(agent, authenticator, '/account/security', '/account/security', 'Work laptop');
    const [key] = await t.services.passkeys.list({ kind: 'contact', id: contact.id });
    expect(key!.name).toBe('Work laptop');
    const page = await agent.get('/account/security');
    const renamed = await submit(agent, formsTo(page.text, `/account/security/passkeys/${key!.id}/rename`)[0]!, { name: 'Old laptop' });
    expect(renamed.status).toBe(303);
    expect((await agent.get('/account/security')).text).toContain('Old laptop');
    const again = await agent.get('/account/security');
    expect((await submit(agent, formsTo(again.text, `/account/security/passkeys/${key!.id}/remove`)[0]!)).status).toBe(303);
    expect(await t.services.passkeys.list({ kind: 'contact', id: contact.id })).toHaveLength(0);
    refused((await passkeySignIn(t.agent(), authenticator)).result);
    const [removed] = await auditActions('passkey.removed');
    expect(removed.detail.name).toBe('Old laptop');
    // Someone else's passkey id: 404, nothing removed.
    const { agent: other } = await clientAgent(t, companyId);
    const otherPage = await other.get('/account/security');
    const foreign = await other
      .post(`/account/security/passkeys/${key!.id}/remove`)
      .type('form')
      .send({ _csrf: csrfFrom(otherPage.text) });
    expect(foreign.status).toBe(404);
  });

  it('puts the home page offer away when dismissed', async () => {
    const { agent } = await clientAgent(t, companyId);
    const home = await agent.get('/');
    const dismissed = await submit(agent, formsTo(home.text, '/account/security/offer/dismiss')[0]!);
    expect(dismissed.status).toBe(303);
    expect((await agent.get('/')).text).not.toContain('data-passkey-offer');
  });
});

describe('console', () => {
  it('lists a contact’s passkeys; "Sign out everywhere" leaves them, "Remove passkeys" removes them', async () => {
    const { agent: client, contact } = await clientAgent(t, companyId);
    await addPasskey(client, new SoftAuthenticator());
    await addPasskey(client, new SoftAuthenticator(), '/account/security', '/account/security', 'Phone');
    const { agent: tech } = await staffAgent(t, 'technician');
    const page = await tech.get(`/admin/contacts/${contact.id}`);
    expect(page.text).toContain('Phone');
    await submit(tech, formsTo(page.text, `/admin/contacts/${contact.id}/sign-out-everywhere`)[0]!);
    expect(await t.services.passkeys.list({ kind: 'contact', id: contact.id })).toHaveLength(2);
    const [phone] = (await t.services.passkeys.list({ kind: 'contact', id: contact.id })).filter((p) => p.name === 'Phone');
    const again = await tech.get(`/admin/contacts/${contact.id}`);
    // Each removal asks first (the console's confirm page); unconfirmed, nothing is removed.
    const asked = await submit(tech, formsTo(again.text, `/admin/contacts/${contact.id}/passkeys/${phone!.id}/remove`)[0]!);
    expect(await t.services.passkeys.list({ kind: 'contact', id: contact.id })).toHaveLength(2);
    expect((await confirmOnPage(tech, asked)).status).toBe(303);
    expect(await t.services.passkeys.list({ kind: 'contact', id: contact.id })).toHaveLength(1);
    const third = await tech.get(`/admin/contacts/${contact.id}`);
    await confirmOnPage(tech, await submit(tech, formsTo(third.text, `/admin/contacts/${contact.id}/passkeys/remove-all`)[0]!));
    expect(await t.services.passkeys.list({ kind: 'contact', id: contact.id })).toHaveLength(0);
    const [all] = await auditActions('passkey.removed_all');
    expect(all.actor_type).toBe('staff');
  });

  it('lets staff add a passkey and sign in to the console with it; a staff passkey does not sign in to the portal', async () => {
    const { agent, member } = await staffAgent(t, 'technician');
    const authenticator = new SoftAuthenticator();
    const added = await addPasskey(agent, authenticator, '/admin/account/security');
    expect(added.status).toBe(303);
    const browser = t.agent();
    const { result } = await passkeySignIn(browser, authenticator, '/admin/signin');
    expect(result.headers.location).toBe('/admin');
    const dashboard = await browser.get('/admin');
    expect(dashboard.status).toBe(200);
    expect(dashboard.text).toContain(member.name);
    refused((await passkeySignIn(t.agent(), authenticator, '/signin')).result);
  });

  it('requires a phishing-resistant method of staff only from an admin who signed in with one, then holds others to it', async () => {
    const { agent: admin } = await staffAgent(t, 'admin');
    const adminKey = new SoftAuthenticator();
    await addPasskey(admin, adminKey, '/admin/account/security');
    const access = await admin.get('/admin/settings/access');
    const [form] = formsTo(access.text, '/admin/settings/access');
    const refusedSave = await submit(admin, form!, { staffPhishingResistant: 'on' });
    expect(refusedSave.status).toBe(400);
    expect(refusedSave.text).toContain('Sign in with your own passkey');

    const viaPasskey = t.agent();
    expect((await passkeySignIn(viaPasskey, adminKey, '/admin/signin')).result.headers.location).toBe('/admin');
    const page = await viaPasskey.get('/admin/settings/access');
    const saved = await submit(viaPasskey, formsTo(page.text, '/admin/settings/access')[0]!, { staffPhishingResistant: 'on' });
    expect(saved.status).toBe(303);
    try {
      const { agent: tech, member: techMember } = await staffAgent(t, 'technician');
      const blocked = await tech.get('/admin/companies');
      expect(blocked.status).toBe(303);
      expect(blocked.headers.location).toBe('/admin/account/security?required=1');
      const security = await tech.get('/admin/account/security?required=1');
      expect(security.text).toContain('Staff must sign in with a passkey or Microsoft');
      const techKey = new SoftAuthenticator();
      expect((await addPasskey(tech, techKey, '/admin/account/security')).status).toBe(303);
      // That session (from a link a phisher could have relayed) adds no second passkey and removes none.
      const weakPage = await tech.get('/admin/account/security');
      expect(formsTo(weakPage.text, '/admin/account/security/passkeys')).toHaveLength(0);
      expect(weakPage.text).toContain('To rename or remove passkeys, sign in with a passkey');
      const second = await options(tech, '/admin/account/security/passkeys/options', weakPage.text);
      expect(second.status).toBe(403);
      const [techPasskey] = await t.services.passkeys.list({ kind: 'staff', id: techMember.id });
      const removal = await tech
        .post(`/admin/account/security/passkeys/${techPasskey!.id}/remove`)
        .type('form')
        .send({ _csrf: csrfFrom(weakPage.text) });
      expect(removal.status).toBe(403);
      const fresh = t.agent();
      await passkeySignIn(fresh, techKey, '/admin/signin');
      expect((await fresh.get('/admin/companies')).status).toBe(200);
      // Signed in with it, they may change their passkeys again.
      expect(formsTo((await fresh.get('/admin/account/security')).text, `/admin/account/security/passkeys/${techPasskey!.id}/remove`)).toHaveLength(1);
      // An admin removes a staff member's passkeys on the Staff page (after confirming).
      const staffPage = await viaPasskey.get('/admin/staff');
      const [removeAll] = formsTo(staffPage.text, `/admin/staff/${techMember.id}/passkeys/remove-all`);
      await confirmOnPage(viaPasskey, await submit(viaPasskey, removeAll!));
      expect(await t.services.db('passkeys').where({ id: techPasskey!.id })).toHaveLength(0);
      const [removedAll] = await auditActions('passkey.removed_all');
      expect(removedAll.subject_type).toBe('staff');
    } finally {
      const current = await t.services.settings.get('passkeys');
      await t.services.settings.set('passkeys', { ...current, staffPhishingResistant: false }, null);
    }
  });
});
