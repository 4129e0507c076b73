// Company names are unique regardless of case: the console form (as rendered), the User API, PSA
// import and two creates at once all refuse a case variant with a message naming the existing company;
// migration 007 upgrades a database that already holds such duplicates without failing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import supertest from 'supertest';
import { closeDb, createDb, migrate } from '../../src/db/index.js';
import { isCompanyNameTaken } from '../../src/directory/company-names.js';
import { migrationSource } from '../../migrations/index.js';
import { startTestApp, usingPostgres, type TestApp } from '../helpers/app.js';
import { staffAgent } from '../helpers/console.js';
import { createCompany } from '../helpers/factories.js';
import { formsTo, submit } from '../helpers/forms.js';

let t: TestApp;
let tech: Awaited<ReturnType<typeof staffAgent>>['agent'];

beforeAll(async () => {
  t = await startTestApp();
  tech = (await staffAgent(t, 'technician')).agent;
});
afterAll(() => t.close());

const unescape = (html: string) => html.replace(/&#34;|&quot;/g, '"').replace(/&#39;/g, "'");

describe('console form', () => {
  it('refuses a new company whose name differs only in case, naming the existing one, beside the field', async () => {
    await createCompany(t.services.db, { name: 'Acme Widgets' });
    const page = await tech.get('/admin/companies/new');
    const [form] = formsTo(page.text, '/admin/companies');
    const res = await submit(tech, form!, { name: '  ACME   widgets ' });
    expect(res.status).toBe(400);
    expect(unescape(res.text)).toContain('A company named "Acme Widgets" already exists');
    expect(res.text).toContain('id="name-error"');
    expect(await t.services.db('companies').whereRaw('lower(name) = ?', ['acme widgets'])).toHaveLength(1);
  });

  it('stores names trimmed with white space collapsed', async () => {
    const page = await tech.get('/admin/companies/new');
    const res = await submit(tech, formsTo(page.text, '/admin/companies')[0]!, { name: '  Tidy \t  Name  GmbH ' });
    expect(res.status).toBe(303);
    expect(await t.services.db('companies').where({ name: 'Tidy Name GmbH' })).toHaveLength(1);
  });

  it('refuses renaming a company to a case variant of another, and allows changing its own case', async () => {
    await createCompany(t.services.db, { name: 'Northwind Traders' });
    const other = await createCompany(t.services.db, { name: 'Southwind' });
    const page = await tech.get(`/admin/companies/${other.id}`);
    const form = formsTo(page.text, `/admin/companies/${other.id}`)[0]!;
    const refused = await submit(tech, form, { name: 'northwind traders' });
    expect(refused.status).toBe(400);
    expect(unescape(refused.text)).toContain('A company named "Northwind Traders" already exists');
    expect((await t.services.db('companies').where({ id: other.id }).first()).name).toBe('Southwind');

    const ownCase = await submit(tech, form, { name: 'SOUTHWIND' });
    expect(ownCase.status).toBe(303);
    expect((await t.services.db('companies').where({ id: other.id }).first()).name).toBe('SOUTHWIND');
  });
});

describe('User API', () => {
  let key: string;
  beforeAll(async () => {
    const member = await t.services.staff.create({ email: `names-${Date.now()}@msp.example`, name: 'Key Owner', role: 'admin' });
    key = (await t.services.apiKeys.create('Names', { staffId: member.id })).secret;
  });
  const post = (body: unknown) =>
    supertest(t.app)
      .post('/api/v1/companies')
      .set('Authorization', `Bearer ${key}`)
      .send(body as object);

  it('creates a company and refuses a case variant with 422, naming the existing company', async () => {
    const created = await post({ name: 'Fabrikam Api' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Fabrikam Api', domains: [], contactCount: 0 });
    const refused = await post({ name: 'FABRIKAM API' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('validation_failed');
    expect(refused.body.error.fields.name).toContain('A company named "Fabrikam Api" already exists');
  });

  it('refuses a rename to a case variant (PATCH), naming the existing company', async () => {
    await createCompany(t.services.db, { name: 'Litware' });
    const other = await createCompany(t.services.db, { name: 'Proseware' });
    const res = await supertest(t.app).patch(`/api/v1/companies/${other.id}`).set('Authorization', `Bearer ${key}`).send({ name: 'LITWARE' });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain('A company named "Litware" already exists');
    const renamed = await supertest(t.app).patch(`/api/v1/companies/${other.id}`).set('Authorization', `Bearer ${key}`).send({ name: 'Proseware Inc' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('Proseware Inc');
  });
});

describe('two creates at once', () => {
  it('one wins; the other gets the same message naming the winner, not a 500', async () => {
    const actor = { staffId: null };
    const results = await Promise.allSettled([
      t.services.companies.create({ name: 'Race Corp' }, actor),
      t.services.companies.create({ name: 'RACE CORP' }, actor),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    const winner = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ name: string }>).value;
    expect(lost.reason.status).toBe(400);
    expect(lost.reason.message).toContain(`A company named "${winner.name}" already exists`);
  });

  it("the database's refusal (the race's last word) is recognised as the name index on this database", async () => {
    await createCompany(t.services.db, { name: 'Index Word' });
    const error = await t.services
      .db('companies')
      .insert({ name: 'INDEX WORD' })
      .catch((e: unknown) => e);
    expect(isCompanyNameTaken(error)).toBe(true);
  });

  // Only PostgreSQL (several connections) can hold one insert open while another runs: the pre-check
  // cannot see the uncommitted row and the unique index decides. The embedded database serialises the
  // two, so there the test above and the Promise.all one cover it.
  if (usingPostgres)
    it('when the check passed before the other committed, the index refuses with the same message', async () => {
      const trx = await t.services.db.transaction();
      await trx('companies').insert({ name: 'Overlap Ltd' });
      // The outcome is caught at once: the refusal can arrive before trx.commit() resolves.
      const second = t.services.companies.create({ name: 'overlap ltd' }, { staffId: null }).then(
        () => 'created',
        (error: unknown) => error,
      );
      await new Promise((r) => setTimeout(r, 300));
      await trx.commit();
      expect(await second).toMatchObject({ status: 400, message: expect.stringContaining('A company named "Overlap Ltd" already exists') });
    });
});

describe('companies from the PSA', () => {
  it('a company imported on the fly during sign-in gets a distinct name instead of failing', async () => {
    await createCompany(t.services.db, { name: 'Contoso Psa' });
    const id = await t.services.companyRepo.importFromPsa({ psaCompanyId: '4711', name: 'CONTOSO PSA' });
    expect((await t.services.companyRepo.get(id))!.name).toBe('CONTOSO PSA (PSA #4711)');
  });
});

describe('migration 007 on a database with duplicates', () => {
  it('renames later duplicates deterministically, records each rename, then enforces the index', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'portico-m007-'));
    const schema = `m_${randomBytes(4).toString('hex')}`;
    // The embedded database allows one process at a time: close the test app's hold on nothing here
    // (this database lives in its own directory), or use a schema of its own on PostgreSQL.
    const db = createDb({ databaseUrl: process.env.DATABASE_URL, dataDir, schema: usingPostgres ? schema : undefined });
    try {
      if (usingPostgres) await db.raw('create schema ??', [schema]);
      const all = await migrationSource.getMigrations([]);
      const before = { ...migrationSource, getMigrations: async () => all.filter(([name]) => name < '007') };
      await db.migrate.latest({ migrationSource: before });
      const ids: Record<string, number> = {};
      for (const name of ['Acme', 'ACME', ' acme  ', 'Acme (2)', 'Beta   Co', 'Gamma']) {
        const [row] = await db('companies').insert({ name }).returning('id');
        ids[name] = row.id;
      }

      // The migrations after 007 run too; 007 is the one under test.
      expect(await migrate(db)).toContain('007_company_name_unique_ci');

      const names = Object.fromEntries((await db('companies').select('id', 'name')).map((r) => [r.id, r.name]));
      expect(names[ids['Acme']!]).toBe('Acme');
      expect(names[ids['ACME']!]).toBe('ACME (3)'); // "Acme (2)" was taken by a company of that name
      expect(names[ids[' acme  ']!]).toBe('acme (4)');
      expect(names[ids['Acme (2)']!]).toBe('Acme (2)');
      expect(names[ids['Beta   Co']!]).toBe('Beta Co');
      expect(names[ids['Gamma']!]).toBe('Gamma');
      const events = await db('audit_events').where({ action: 'company.renamed' }).orderBy('id');
      expect(events.map((e) => [Number(e.subject_id), e.detail.from, e.detail.to])).toEqual([
        [ids['ACME'], 'ACME', 'ACME (3)'],
        [ids[' acme  '], ' acme  ', 'acme (4)'],
      ]);
      await expect(db('companies').insert({ name: 'gAMMA' })).rejects.toMatchObject({ code: '23505' });
    } finally {
      if (usingPostgres) await db.raw('drop schema if exists ?? cascade', [schema]);
      await closeDb(db);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
