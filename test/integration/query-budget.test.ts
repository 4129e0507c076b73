// The hot pages' database round trips, counted: each query is a round trip the page waits for and, on
// the bench machine, the largest single cost of a signed-in page (issue 18: a socket write per query).
// A change that adds a query to one of these pages (an N+1, a lookup repeated per middleware) fails here
// and says which queries ran; raise a budget only when the page really needs the new read.
import { startTestApp, type TestApp } from '../helpers/app.js';
import { clientAgent } from '../helpers/console.js';
import { createCompany, createContact } from '../helpers/factories.js';
import { csrfFrom, linkFrom, requestToken } from '../helpers/http.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

/** The queries the app sends while `run` and the work after its response run (the mail worker's excepted). */
async function queriesOf(run: () => Promise<unknown>): Promise<string[]> {
  await t.settle();
  const seen: string[] = [];
  const listener = (q: { sql: string }) => seen.push(q.sql);
  t.services.db.client.on('query', listener);
  try {
    await run();
    await t.services.background.idle();
  } finally {
    t.services.db.client.removeListener('query', listener);
  }
  // The outbox's sender runs on its own schedule; its claims are not the page's.
  return seen.filter((sql) => !/^update outbox set status = 'sending'/.test(sql.trim()));
}

// The settings cache is refilled every couple of seconds (settings/service.ts) by whichever request comes
// then: a slow test machine may see one such read on any page. Read through a transaction, it is not a
// refill but a read the page makes every time, and it stays counted.
const SETTINGS_REFILL = 'select "value" from "settings" where "key" = $1 limit $2';
// Without Redis the sessions and rate limits live in the database (http/session-store.ts,
// http/rate-limit.ts): those queries are the stores', the same as Redis commands elsewhere, and not counted here.
const SESSION_STORE = /"http_sessions"|^insert into rate_limits/;
const budgeted = (all: string[]) => {
  const queries = all.filter((sql) => !SESSION_STORE.test(sql));
  const begin = queries.indexOf('BEGIN;');
  return queries.filter((sql, i) => sql !== SETTINGS_REFILL || (begin >= 0 && i > begin && i < queries.indexOf('COMMIT;')));
};

describe('round trips per page', () => {
  it('the sign-in page for a new visitor reads nothing (the settings are cached)', async () => {
    const visitor = t.agent();
    await visitor.get('/signin');
    expect(budgeted(await queriesOf(() => visitor.get('/signin').expect(200)))).toEqual([]);
  });

  it("a signed-in client's home page: one query, the session with the contact, its company and look and the passkey offer", async () => {
    const company = await createCompany(t.services.db, { name: 'Budget Ltd' });
    const { agent } = await clientAgent(t, company.id);
    await agent.get('/').expect(200);
    const queries = budgeted(await queriesOf(() => agent.get('/').expect(200)));
    expect(queries).toHaveLength(1);
    expect(queries[0]).toMatch(
      /not exists \(\(select 1 from "passkeys".*as passkey_offer_open.*from "auth_sessions" inner join "contacts".* inner join "companies".* left join "company_brands"/,
    );
  });

  it('a sign-in mail: who the address is, the brand, then one statement that writes the token, its mail and the audit event', async () => {
    const company = await createCompany(t.services.db, { name: 'Budget Mail Ltd', portalName: 'Budget Portal' });
    const contact = await createContact(t.services.db, { companyId: company.id, email: `budget-${Date.now()}@contoso.example` });
    const request = async (email: string) => {
      const visitor = t.agent();
      const page = await visitor.get('/signin');
      return budgeted(
        await queriesOf(() =>
          visitor
            .post('/signin/email')
            .type('form')
            .send({ _csrf: csrfFrom(page.text), email })
            .expect(200),
        ),
      );
    };
    const known = await request(contact.email);
    // Reads first: the contact, the mail's brand (with the company's portal name); then one write, no transaction.
    expect(known).toHaveLength(3);
    expect(known).not.toContain('BEGIN;');
    expect(known[2]).toMatch(
      /^with "revoked" as \(update "login_tokens" .*\), "token" as \(insert into "login_tokens" .* where \$\d+\), "mail" as \(insert into "outbox" .* where \$\d+\) insert into "audit_events"/,
    );
    // An address nobody may receive sends the same statement (it writes no token and no mail: email-token.test.ts).
    const unknown = await request(`nobody-${Date.now()}@unknown-budget.example`);
    expect(unknown).not.toContain('BEGIN;');
    expect(unknown.filter((sql) => /^(insert|update|delete|with)\b/i.test(sql))).toEqual([known[2]]);
  });

  it('the confirm POST that signs in: the token read and spent, who the address is, then one statement', async () => {
    const contact = await createContact(t.services.db, { email: `budget-verify-${Date.now()}@contoso.example` });
    const visitor = t.agent();
    const before = t.smtp.messages.length;
    await requestToken(visitor, contact.email);
    await t.settle();
    const link = linkFrom(await t.smtp.waitForMail(contact.email, { after: before }));
    const confirm = await visitor.get(link.pathname + link.search).expect(200);
    const queries = budgeted(
      await queriesOf(() =>
        visitor
          .post('/signin/verify')
          .type('form')
          .send({ _csrf: csrfFrom(confirm.text), token: link.searchParams.get('token') })
          .expect(303),
      ),
    );
    expect(queries).toHaveLength(4);
    // The session row, the last sign-in and the audit event: one statement, no transaction around it.
    expect(queries[3]).toMatch(/^with "session" as \(insert into "auth_sessions".*"last_sign_in" as \(update "contacts".* insert into "audit_events"/);
  });
});
