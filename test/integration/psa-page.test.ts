// The console's PSA page through HTTP against the ConnectWise fake: every form is submitted exactly as the
// page renders it (its own hidden fields and default select option), and PSA companies the PSA marks
// deleted or inactive are neither linked nor imported.
import { startFakeConnectWise, type FakeConnectWise } from '../fakes/connectwise.js';
import { connectWiseEnv } from '../helpers/psa-env.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { staffAgent } from '../helpers/console.js';
import { createCompany, createContact } from '../helpers/factories.js';
import { formsTo, submit } from '../helpers/forms.js';

const credentials = { companyId: 'msp', publicKey: 'pub', privateKey: 'priv', clientId: '9f1c2a7e-0000-4000-8000-000000000003' };
let cw: FakeConnectWise;
let t: TestApp;

beforeAll(async () => {
  cw = await startFakeConnectWise(credentials);
  cw.companies.push(
    { id: 610, identifier: 'Fabrikam', name: 'Fabrikam Inc' },
    { id: 611, identifier: 'FabrikamEU', name: 'Fabrikam Europe' },
    { id: 612, identifier: 'FabrikamOld', name: 'Fabrikam Old', deletedFlag: true },
    { id: 613, identifier: 'FabrikamIdle', name: 'Fabrikam Idle', status: { id: 2, name: 'Inactive' } },
  );
  t = await startTestApp({
    env: {
      ...connectWiseEnv(cw.url, credentials),
    },
    psa: { timeoutMs: 400, retries: 1, backoffMs: 20 },
  });
});
afterEach(() => cw.clearFailures());
afterAll(async () => {
  await t.close();
  await cw.close();
});

const actor = { staffId: null, ip: '203.0.113.10' };

describe('the PSA page forms, submitted as rendered', () => {
  it('tests the connection with the form the page renders', async () => {
    const { agent } = await staffAgent(t, 'technician');
    const [form] = formsTo((await agent.get('/admin/psa')).text, '/admin/psa/test');
    expect(form).toBeDefined();
    const tested = await submit(agent, form!);
    expect(tested.status).toBe(303);
    expect((await agent.get('/admin/psa')).text).toContain('Connection works: ConnectWise Manage');
  });

  it('imports with the default "Import as a new portal company" option (companyId empty)', async () => {
    const { agent } = await staffAgent(t, 'technician');
    const forms = formsTo((await agent.get('/admin/psa?q=fabrikam')).text, '/admin/psa/link');
    const form = forms.find((f) => f.fields.psaCompanyId === '610');
    expect(form?.fields).toMatchObject({ psaCompanyId: '610', companyId: '' });
    expect(form?.fields._csrf).toBeTruthy();
    const imported = await submit(agent, form!);
    expect(imported.status).toBe(303);
    const company = await t.services.db('companies').where({ psa_company_id: '610' }).first();
    expect(company).toMatchObject({ name: 'Fabrikam Inc' });
    expect(imported.headers.location).toBe(`/admin/companies/${company.id}`);
  });

  it('links to a portal company picked from the rendered select', async () => {
    const portal = await createCompany(t.services.db, { name: 'Fabrikam EU (portal)' });
    const { agent } = await staffAgent(t, 'technician');
    const form = formsTo((await agent.get('/admin/psa?q=fabrikam')).text, '/admin/psa/link').find((f) => f.fields.psaCompanyId === '611');
    expect(form?.options.companyId).toContain(String(portal.id));
    const linked = await submit(agent, form!, { companyId: String(portal.id) });
    expect(linked.status).toBe(303);
    expect(await t.services.db('companies').where({ id: portal.id }).first()).toMatchObject({ psa_company_id: '611' });
  });
});

describe('inactive or deleted PSA companies', () => {
  it.each([
    ['deleted', '612', 'Fabrikam Old'],
    ['on an inactive status', '613', 'Fabrikam Idle'],
  ])('refuses to import or link a company %s (409), writing nothing', async (_how, psaCompanyId, name) => {
    await expect(t.services.psaLinking.importCompany({ psaCompanyId }, actor)).rejects.toMatchObject({ status: 409, message: expect.stringContaining(name) });
    const portal = await createCompany(t.services.db, { name: `${name} (portal)` });
    await expect(t.services.psaLinking.linkCompany({ psaCompanyId, companyId: portal.id }, actor)).rejects.toMatchObject({ status: 409 });
    expect(await t.services.db('companies').where({ psa_company_id: psaCompanyId })).toHaveLength(0);
  });

  it('answers the console with the reason when the rendered form is posted for an inactive company', async () => {
    const { agent } = await staffAgent(t, 'technician');
    const [form] = formsTo((await agent.get('/admin/psa?q=fabrikam')).text, '/admin/psa/link');
    const refused = await submit(agent, form!, { psaCompanyId: '613' });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('deleted or inactive in the PSA');
  });
});

function cwContact(id: number, email: string, companyId: number, firstName = 'Nancy', lastName = 'Davolio', inactive = false) {
  cw.contacts.push({
    id,
    firstName,
    lastName,
    company: { id: companyId, name: cw.companies.find((c) => c.id === companyId)?.name ?? '' },
    inactiveFlag: inactive,
    communicationItems: [{ type: { id: 1, name: 'Email - Business' }, value: email, communicationType: 'Email', defaultFlag: true }],
  });
}

describe('what would a sign-in do', () => {
  beforeAll(() => {
    cw.companies.push({ id: 620, identifier: 'Northwind', name: 'Northwind Traders' });
    cwContact(720, 'nancy@northwind.example', 620);
    cwContact(721, 'olga@fabrikam-old.example', 612, 'Olga', 'Old');
  });

  // Everything a sign-in could write or send, to show that a check changed none of it.
  const footprint = async () => ({
    contacts: Number((await t.services.db('contacts').count({ n: '*' }))[0]!.n),
    companies: Number((await t.services.db('companies').count({ n: '*' }))[0]!.n),
    claims: Number((await t.services.db('account_claims').count({ n: '*' }))[0]!.n),
    tokens: Number((await t.services.db('login_tokens').count({ n: '*' }))[0]!.n),
    outbox: Number((await t.services.db('outbox').count({ n: '*' }))[0]!.n),
    mail: t.smtp.messages.length,
    cwContacts: cw.contacts.length,
  });

  async function check(email: string) {
    const { agent } = await staffAgent(t, 'technician');
    const [form] = formsTo((await agent.get('/admin/psa')).text, '/admin/psa/explain');
    expect(form?.fields).toMatchObject({ email: '' });
    const before = await footprint();
    const answer = await submit(agent, form!, { email });
    await t.settle();
    expect(answer.status).toBe(200);
    expect(await footprint()).toEqual(before);
    return /<p class="signin-preview"[^>]*>([\s\S]*?)<\/p>/
      .exec(answer.text)![1]!
      .replace(/<[^>]*>/g, '')
      .replace(/\s+/g, ' ')
      .replace(/&#39;/g, "'")
      .trim();
  }

  it('names a PSA contact and its PSA company, importing nothing', async () => {
    expect(await check('Nancy@Northwind.example')).toContain('nancy@northwind.example: a contact in the PSA: Nancy Davolio, Northwind Traders');
    expect(await t.services.db('companies').where({ psa_company_id: '620' })).toHaveLength(0);
  });

  it('names a portal contact, and says nothing would be sent for a disabled one', async () => {
    const company = await createCompany(t.services.db, { name: 'Contoso (portal)' });
    await createContact(t.services.db, { companyId: company.id, email: 'ada@contoso-portal.example', firstName: 'Ada', lastName: 'Lovelace' });
    await createContact(t.services.db, { companyId: company.id, email: 'off@contoso-portal.example', status: 'disabled' });
    expect(await check('ada@contoso-portal.example')).toContain('a contact in the portal: Ada Lovelace, Contoso (portal)');
    expect(await check('off@contoso-portal.example')).toContain('nothing would be sent: the portal contact with this address is disabled');
  });

  it('says an account would be created on a company domain, and why not when nobody matches', async () => {
    const company = await createCompany(t.services.db, { name: 'Woodgrove Bank', domains: ['woodgrove.example'] });
    expect(company.id).toBeGreaterThan(0);
    expect(await check('new.person@woodgrove.example')).toContain("on Woodgrove Bank's domain: an account would be created under Woodgrove Bank.");
    expect(await check('who@nowhere.example')).toContain('nothing would be sent: no contact has this address and no company owns its domain');
  });

  it('says why for an inactive PSA company, the invited-only policy and an unreachable PSA', async () => {
    expect(await check('olga@fabrikam-old.example')).toContain('deleted or inactive in the PSA');
    cw.failNext({ status: 500, times: 5, body: { code: 'InternalError', message: 'down' } });
    expect(await check('someone@northwind.example')).toContain('the PSA did not answer');
    cw.clearFailures();
    await t.services.settings.set('signin_policy', { ...(await t.services.settings.get('signin_policy')), mode: 'invited_only' }, null);
    try {
      expect(await check('nancy@northwind.example')).toContain('invited contacts only');
    } finally {
      await t.services.settings.set('signin_policy', { ...(await t.services.settings.get('signin_policy')), mode: 'domain' }, null);
    }
  });

  it('audits the check with the domain and outcome, not the address', async () => {
    await check('nancy@northwind.example');
    const [event] = (await t.services.audit.list({ action: 'psa.signin_previewed' })).items;
    expect(event?.detail).toEqual({ domain: 'northwind.example', outcome: 'psa_contact' });
    expect(JSON.stringify(event)).not.toContain('nancy@');
  });
});

describe('the sync view', () => {
  it('shows portal companies beside their PSA companies, flagged, and tolerates a PSA that fails', async () => {
    const db = t.services.db;
    await createCompany(db, { name: 'Fabrikam Renamed', psaCompanyId: '630' });
    cw.companies.push({ id: 630, identifier: 'FabNew', name: 'Fabrikam New Name' });
    await createCompany(db, { name: 'Fabrikam Old', psaCompanyId: '612' });
    await createCompany(db, { name: 'Fabrikam Idle', psaCompanyId: '613' });

    const { agent } = await staffAgent(t, 'technician');
    const page = await agent.get('/admin/psa/sync');
    expect(page.status).toBe(200);
    const rowOf = (html: string, name: string) => new RegExp(`<tr>\\s*<td><a href="/admin/companies/\\d+">${name}</a>[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';
    expect(rowOf(page.text, 'Fabrikam Renamed')).toContain('Fabrikam New Name');
    expect(rowOf(page.text, 'Fabrikam Renamed')).toContain('Name differs');
    expect(rowOf(page.text, 'Fabrikam Old')).toContain('Deleted or inactive in the PSA');
    expect(rowOf(page.text, 'Fabrikam Idle')).toContain('Deleted or inactive in the PSA');
    expect(rowOf(page.text, 'Fabrikam Inc')).toContain('In sync');

    cw.failNext({ status: 500, times: 100, body: { code: 'InternalError', message: 'down' } });
    const down = await agent.get('/admin/psa/sync');
    cw.clearFailures();
    expect(down.status).toBe(200);
    expect(rowOf(down.text, 'Fabrikam Old')).toContain('PSA did not answer');
  });

  it('asks the PSA once per linked company on the page', async () => {
    const before = cw.requests.length;
    const result = await t.services.psaSync.page(1);
    const asked = cw.requests.slice(before).filter((r) => /^\/company\/companies\/\d+$/.test(r.path));
    expect(result.items.length).toBeLessThanOrEqual(25);
    expect(asked).toHaveLength(result.items.filter((r) => r.psaCompanyId).length);
  });
});
