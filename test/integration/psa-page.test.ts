// The console's PSA page through HTTP against the ConnectWise fake: every form is submitted exactly as the
// page renders it (its own hidden fields and default select option), and PSA companies the PSA marks
// deleted or inactive are neither linked nor imported.
import { startFakeConnectWise, type FakeConnectWise } from '../fakes/connectwise.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { staffAgent } from '../helpers/console.js';
import { createCompany } from '../helpers/factories.js';
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
      PSA_PROVIDER: 'connectwise',
      CONNECTWISE_URL: cw.url,
      CONNECTWISE_COMPANY_ID: credentials.companyId,
      CONNECTWISE_PUBLIC_KEY: credentials.publicKey,
      CONNECTWISE_PRIVATE_KEY: credentials.privateKey,
      CONNECTWISE_CLIENT_ID: credentials.clientId,
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
