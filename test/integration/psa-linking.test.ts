// The console's PSA service without HTTP: linking and importing PSA companies against a loopback
// ConnectWise, each company write committed with its audit event; PSA failures recorded for the console.
import type { AuditService } from '../../src/audit/service.js';
import { AlreadyLinkedError, createPsaLinking, NoPsaError, PsaUnavailableError } from '../../src/psa/linking.js';
import { startFakeConnectWise, type FakeConnectWise } from '../fakes/connectwise.js';
import { connectWiseEnv } from '../helpers/psa-env.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createCompany } from '../helpers/factories.js';

const credentials = { companyId: 'msp', publicKey: 'pub', privateKey: 'priv', clientId: '9f1c2a7e-0000-4000-8000-000000000002' };
const actor = { staffId: null, ip: '203.0.113.9' };
let cw: FakeConnectWise;
let t: TestApp;

beforeAll(async () => {
  cw = await startFakeConnectWise(credentials);
  cw.companies.push(
    { id: 510, identifier: 'Tailspin', name: 'Tailspin Toys' },
    { id: 511, identifier: 'Wingtip', name: 'Wingtip Toys' },
    { id: 512, identifier: 'Northwind', name: 'Northwind Traders' },
    { id: 513, identifier: 'FourthCoffee', name: 'Fourth  Coffee' },
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

const auditOf = async (action: string) => (await t.services.audit.list({ action })).items;

describe('importCompany and linkCompany', () => {
  it('imports a PSA company as a new portal company, audited in the same commit', async () => {
    const { companyId, psaCompany } = await t.services.psaLinking.importCompany({ psaCompanyId: '510' }, actor);
    expect(psaCompany).toEqual({ id: '510', name: 'Tailspin Toys', active: true });
    expect(await t.services.db('companies').where({ id: companyId }).first()).toMatchObject({ name: 'Tailspin Toys', psa_company_id: '510' });
    const [event] = await auditOf('psa.company_imported');
    expect(event).toMatchObject({
      subject_type: 'company',
      subject_id: String(companyId),
      ip: '203.0.113.9',
      detail: { psaCompanyId: '510', name: 'Tailspin Toys' },
    });
    await expect(t.services.psaLinking.importCompany({ psaCompanyId: '510' }, actor)).rejects.toBeInstanceOf(AlreadyLinkedError);
  });

  it('refuses to import a PSA company whose name a portal company has in another case, naming it', async () => {
    await createCompany(t.services.db, { name: 'FOURTH COFFEE' });
    const refused = t.services.psaLinking.importCompany({ psaCompanyId: '513' }, actor);
    await expect(refused).rejects.toMatchObject({ status: 409, message: expect.stringContaining('A company named "FOURTH COFFEE" already exists') });
    await expect(refused).rejects.toThrow('Link the PSA company to FOURTH COFFEE instead');
    expect(await t.services.db('companies').where({ psa_company_id: '513' })).toHaveLength(0);
  });

  it('links an unlinked portal company, and refuses one already linked without writing anything', async () => {
    const portal = await createCompany(t.services.db, { name: 'Wingtip (portal)' });
    await t.services.psaLinking.linkCompany({ psaCompanyId: '511', companyId: portal.id }, actor);
    expect(await t.services.db('companies').where({ id: portal.id }).first()).toMatchObject({ psa_company_id: '511' });
    expect((await auditOf('psa.company_linked'))[0]).toMatchObject({ subject_id: String(portal.id), detail: { psaCompanyId: '511' } });

    const before = (await auditOf('psa.company_linked')).length;
    await expect(t.services.psaLinking.linkCompany({ psaCompanyId: '512', companyId: portal.id }, actor)).rejects.toThrow('already linked to PSA company #511');
    expect((await auditOf('psa.company_linked')).length).toBe(before);
    expect(await t.services.db('companies').where({ psa_company_id: '512' })).toHaveLength(0);
  });

  it('writes no company when its audit event cannot be written', async () => {
    const failingAudit: AuditService = { ...t.services.audit, record: async () => Promise.reject(new Error('audit store down')) };
    const linking = createPsaLinking({
      db: t.services.db,
      companyRepo: t.services.companyRepo,
      psa: t.services.psa,
      displayName: 'ConnectWise Manage',
      audit: failingAudit,
      events: t.services.psaEvents,
    });
    await expect(linking.importCompany({ psaCompanyId: '512' }, actor)).rejects.toThrow('audit store down');
    expect(await t.services.db('companies').where({ psa_company_id: '512' })).toHaveLength(0);
  });

  it('records a PSA failure for the console and writes nothing', async () => {
    cw.failNext({ status: 500, times: 2, body: { code: 'InternalError', message: 'lookup broke' } });
    const failed = t.services.psaLinking.importCompany({ psaCompanyId: '512' }, actor);
    await expect(failed).rejects.toBeInstanceOf(PsaUnavailableError);
    await expect(failed).rejects.toMatchObject({ status: 502 });
    const [event] = await t.services.psaEvents.recent(1);
    expect(event).toMatchObject({ provider: 'connectwise', operation: 'getCompany' });
    expect(event.message).toContain('lookup broke');
    expect(await t.services.db('companies').where({ psa_company_id: '512' })).toHaveLength(0);
  });

  it('answers 404 for a PSA company that does not exist', async () => {
    await expect(t.services.psaLinking.importCompany({ psaCompanyId: '999' }, actor)).rejects.toMatchObject({ status: 404 });
  });
});

describe('without a PSA', () => {
  it('checks the built-in directory and refuses to link', async () => {
    const linking = createPsaLinking({
      db: t.services.db,
      companyRepo: t.services.companyRepo,
      psa: undefined,
      displayName: 'Built-in directory',
      audit: t.services.audit,
      events: t.services.psaEvents,
    });
    expect(linking.hasPsa).toBe(false);
    const [{ n }] = await t.services.db('companies').count({ n: '*' });
    expect(await linking.testConnection(actor)).toEqual({ ok: true, detail: `Built-in directory: ${n} companies.` });
    expect(await linking.searchCompanies('toys')).toEqual({ results: [] });
    await expect(linking.importCompany({ psaCompanyId: '512' }, actor)).rejects.toBeInstanceOf(NoPsaError);
  });
});
