// The queries nearly every request runs go to PostgreSQL as named prepared statements (db/prepared.ts),
// so it plans them once per connection instead of on every run (issue 18: planning the signed-in page's
// query was most of the database's CPU under load). On PostgreSQL the pool is made as small as the app
// allows (two connections) and pg_prepared_statements is read on both (it is per connection): what was
// prepared, how often it ran, and that its plan was reused (generic_plans: PostgreSQL switches to the
// cached generic plan after five custom ones). PGlite ignores statement names: there the same requests
// must still work with them, and the queries are checked to carry their names.
import { startTestApp, usingPostgres, type TestApp } from '../helpers/app.js';
import { clientAgent } from '../helpers/console.js';
import { createCompany, createContact } from '../helpers/factories.js';
import { confirmLink, linkFrom, requestToken } from '../helpers/http.js';

let t: TestApp;
const names: string[] = [];
const noteName = (q: { options?: { name?: string } }) => void (q.options?.name && names.push(q.options.name));
beforeAll(async () => {
  t = await startTestApp({ env: { DATABASE_POOL_MAX: '2' } });
  t.services.db.client.on('query', noteName);
});
afterAll(async () => {
  t.services.db.client.removeListener('query', noteName);
  await t.close();
});

interface Prepared {
  name: string;
  statement: string;
  generic_plans: number;
  custom_plans: number;
}

type Connection = { query(sql: string): Promise<{ rows: Prepared[] }> };

/** The named statements of the app's PostgreSQL connections (both of its pool), runs summed per name. */
async function preparedStatements(): Promise<Map<string, Prepared>> {
  const { client } = t.services.db;
  const connections = [(await client.acquireConnection()) as Connection, (await client.acquireConnection()) as Connection];
  const statements = new Map<string, Prepared>();
  try {
    for (const connection of connections) {
      const { rows } = await connection.query(
        "select name, statement, generic_plans::int, custom_plans::int from pg_prepared_statements where name like 'portico\\_%'",
      );
      for (const row of rows) {
        const seen = statements.get(row.name);
        statements.set(
          row.name,
          seen ? { ...seen, generic_plans: seen.generic_plans + row.generic_plans, custom_plans: seen.custom_plans + row.custom_plans } : row,
        );
      }
    }
  } finally {
    for (const connection of connections) await client.releaseConnection(connection);
  }
  return statements;
}

const runs = (statement: Prepared | undefined) => (statement ? statement.generic_plans + statement.custom_plans : 0);

it("a signed-in page's query is prepared once and its plan reused", async () => {
  const company = await createCompany(t.services.db, { name: 'Prepared Ltd' });
  const { agent } = await clientAgent(t, company.id);
  // Enough for one of the two connections to run it more than five times.
  for (let i = 0; i < 14; i++) await agent.get('/').expect(200);
  expect(names).toContain('portico_current_contact');
  if (!usingPostgres) return;
  const current = (await preparedStatements()).get('portico_current_contact');
  expect(current?.statement).toMatch(/from "auth_sessions" inner join "contacts"/);
  expect(runs(current)).toBeGreaterThanOrEqual(14);
  expect(current!.generic_plans).toBeGreaterThan(0);
});

it('the sign-in mail request: its reads and its one statement prepared, the statement the same for a known address and an unknown one', async () => {
  const contact = await createContact(t.services.db, { email: `prepared-${Date.now()}@contoso.example` });
  const sent = () => names.filter((name) => name === 'portico_email_token_request_contact').length;
  const sentBefore = sent();
  const before = usingPostgres ? runs((await preparedStatements()).get('portico_email_token_request_contact')) : 0;
  await requestToken(t.agent(), contact.email).then((r) => expect(r.status).toBe(200));
  await requestToken(t.agent(), `nobody-${Date.now()}@unknown-prepared.example`).then((r) => expect(r.status).toBe(200));
  await t.settle();
  expect(sent() - sentBefore).toBe(2);
  // Its reads before it: who the address is, and the mail's brand.
  expect(names).toContain('portico_company_look');
  expect(names.some((name) => /contacts_by_email$/.test(name))).toBe(true);
  if (!usingPostgres) return;
  const request = (await preparedStatements()).get('portico_email_token_request_contact');
  expect(request?.statement).toMatch(/^with "revoked" as \(update "login_tokens"/);
  expect(runs(request) - before).toBe(2);
});

it('the confirm POST reads and spends its token and signs in with prepared statements', async () => {
  const contact = await createContact(t.services.db, { email: `prepared-verify-${Date.now()}@contoso.example` });
  const visitor = t.agent();
  const before = t.smtp.messages.length;
  await requestToken(visitor, contact.email);
  await t.settle();
  const signedIn = await confirmLink(visitor, linkFrom(await t.smtp.waitForMail(contact.email, { after: before })));
  expect(signedIn.status).toBe(303);
  expect(names).toEqual(expect.arrayContaining(['portico_token_spend', 'portico_sign_in_contact']));
  expect(names.some((name) => name.startsWith('portico_token_by_link_'))).toBe(true);
  if (!usingPostgres) return;
  const statements = await preparedStatements();
  expect(statements.get('portico_token_spend')?.statement).toMatch(/^update "login_tokens" set "consumed_at"/);
  expect(statements.get('portico_sign_in_contact')?.statement).toMatch(/^with "session" as \(insert into "auth_sessions"/);
  // Signed in: the home page's query runs on the same connection, prepared before.
  await visitor.get('/').expect(200);
  expect(runs((await preparedStatements()).get('portico_current_contact'))).toBeGreaterThan(14);
});
