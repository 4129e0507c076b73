// Contacts in and out: the CSV import preview says per row what it will do and which company it
// matched; nobody who already signs in is invited; a contact nobody invited shows "not invited yet";
// the CSV export follows the list's filters, neutralises formula-looking cells, and imports back unchanged.
import { parse } from 'csv-parse/sync';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { staffAgent } from '../helpers/console.js';
import { createCompany, createContact } from '../helpers/factories.js';
import { formsTo, submit } from '../helpers/forms.js';
import { csrfFrom } from '../helpers/http.js';

let t: TestApp;
let tech: Awaited<ReturnType<typeof staffAgent>>['agent'];

beforeAll(async () => {
  t = await startTestApp();
  tech = (await staffAgent(t, 'technician')).agent;
});
afterAll(() => t.close());

type Agent = typeof tech;

async function previewOf(agent: Agent, csv: string | Buffer) {
  const page = await agent.get('/admin/contacts/import');
  const res = await agent
    .post('/admin/contacts/import')
    .field('_csrf', csrfFrom(page.text))
    .attach('file', Buffer.isBuffer(csv) ? csv : Buffer.from(csv), { filename: 'contacts.csv', contentType: 'text/csv' });
  expect(res.status).toBe(200);
  return res.text;
}

/** Each preview row's line → its result cell text (create / update / no change / errors) and company cell. */
function rowsOf(html: string) {
  const rows: Record<string, { action: string | undefined; company: string; text: string }> = {};
  for (const [, line, body] of html.matchAll(/<tr data-line="(\d+)">([\s\S]*?)<\/tr>/g)) {
    const cells = [...body!.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((m) =>
      m[1]!
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    );
    rows[line!] = { action: /data-action="(\w+)"/.exec(body!)?.[1], company: cells[3]!, text: cells[1]! };
  }
  return rows;
}

async function apply(agent: Agent, previewHtml: string, sendInvitations: boolean) {
  const [form] = formsTo(previewHtml, '/admin/contacts/import/apply');
  const res = await submit(agent, form!, sendInvitations ? { sendInvitations: 'on' } : {});
  expect(res.status).toBe(303);
  return (await agent.get('/admin/contacts')).text;
}

const invitationsTo = async (email: string) => t.services.db('outbox').where({ to_address: email, template: 'invitation' });

describe('CSV import preview', () => {
  it('says per row whether it creates or updates, and which company it matched (name in any case, or domain)', async () => {
    const acme = await createCompany(t.services.db, { name: 'Acme Preview', domains: ['acme-preview.example'] });
    await createContact(t.services.db, { companyId: acme.id, email: 'known@acme-preview.example', firstName: 'Kim', lastName: 'Known' });
    await createContact(t.services.db, { companyId: acme.id, email: 'same@acme-preview.example', firstName: 'Sam', lastName: 'Same' });
    const html = await previewOf(
      tech,
      [
        'email,first_name,last_name,company',
        'new@acme-preview.example,Nia,New,ACME  PREVIEW',
        'known@acme-preview.example,Kim,Renamed,acme preview',
        'same@acme-preview.example,Sam,Same,',
        'stray@elsewhere.example,Stray,Row,',
      ].join('\n'),
    );
    const rows = rowsOf(html);
    expect(rows['2']).toMatchObject({ action: 'create', company: 'Acme Preview (matched by name)' });
    expect(rows['3']).toMatchObject({ action: 'update', company: 'Acme Preview (matched by name)' });
    expect(rows['4']).toMatchObject({ action: 'unchanged', company: 'Acme Preview (matched by email domain)' });
    expect(rows['4']!.text).toBe('no change');
    expect(rows['5']!.action).toBeUndefined();
    expect(rows['5']!.text).toContain('No company given');
    expect(html).toContain('1 to create, 1 to update, 1 without changes.');
  });
});

describe('invitations', () => {
  it('are never sent by import to an address that already signs in, and the preview says so', async () => {
    const first = await createCompany(t.services.db, { name: 'First Client', domains: ['active-person.example'] });
    const second = await createCompany(t.services.db, { name: 'Second Client Co' });
    await createContact(t.services.db, { companyId: first.id, email: 'ada@active-person.example', status: 'active' });
    const html = await previewOf(
      tech,
      'email,first_name,company\nada@active-person.example,Ada,second client co\nnew@active-person.example,New,Second Client Co\n',
    );
    expect(rowsOf(html)['2']).toMatchObject({ action: 'create', company: 'Second Client Co (matched by name)' });
    expect(rowsOf(html)['2']!.text).toContain('already signs in: no invitation');
    const list = await apply(tech, html, true);
    expect(list).toContain('2 created, 0 updated, 0 unchanged, 0 skipped with errors, 1 invited, 1 not invited: they already sign in');
    expect(await invitationsTo('ada@active-person.example')).toHaveLength(0);
    expect(await invitationsTo('new@active-person.example')).toHaveLength(1);
    expect(await t.services.db('contacts').where({ email: 'ada@active-person.example', company_id: second.id })).toHaveLength(1);
  });

  it('are refused for an active contact from the contact page (the button is off, and a post is a clear 409)', async () => {
    const active = await createContact(t.services.db, { status: 'active' });
    const page = await tech.get(`/admin/contacts/${active.id}`);
    expect(page.text).toMatch(new RegExp(`action="/admin/contacts/${active.id}/invite">[^]*?<button type="submit" disabled`));
    const res = await tech
      .post(`/admin/contacts/${active.id}/invite`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(409);
    expect(res.text).toContain('has already signed in (active): no invitation was sent');
    expect(await invitationsTo(active.email)).toHaveLength(0);
  });
});

describe('"not invited yet"', () => {
  it('a contact added by hand shows "not invited yet" in the list, on its page, in filters and the API, until invited', async () => {
    const company = await createCompany(t.services.db, { name: 'Fresh Hands' });
    const page = await tech.get(`/admin/contacts/new?company=${company.id}`);
    const created = await submit(tech, formsTo(page.text, '/admin/contacts')[0]!, { email: 'hand@fresh-hands.example', firstName: 'Hana' });
    expect(created.status).toBe(303);
    const id = Number(/\/admin\/contacts\/(\d+)/.exec(created.headers.location!)![1]);

    const contactPage = await tech.get(`/admin/contacts/${id}`);
    expect(contactPage.text).toContain('data-status="not_invited">not invited yet</span>');
    const filtered = await tech.get('/admin/contacts?status=not_invited&q=fresh-hands');
    expect(filtered.text).toContain('hand@fresh-hands.example');
    expect((await tech.get('/admin/contacts?status=invited&q=fresh-hands')).text).not.toContain('hand@fresh-hands.example');

    const member = await t.services.staff.create({ email: `api-${Date.now()}@msp.example`, name: 'Api', role: 'admin' });
    const key = (await t.services.apiKeys.create('Status', { staffId: member.id })).secret;
    const viaApi = () => supertest(t.app).get(`/api/v1/contacts/${id}`).set('Authorization', `Bearer ${key}`);
    expect((await viaApi()).body.status).toBe('not_invited');

    // The contact may sign in all the same (the sign-in rules know only invited/active/disabled).
    expect(await t.services.contactRepo.getUsable(id)).toBeDefined();

    const invited = await submit(tech, formsTo(contactPage.text, `/admin/contacts/${id}/invite`)[0]!);
    expect(invited.status).toBe(303);
    expect((await tech.get(`/admin/contacts/${id}`)).text).toContain('data-status="invited">invited</span>');
    expect((await tech.get('/admin/contacts?status=invited&q=fresh-hands')).text).toContain('hand@fresh-hands.example');
    expect((await viaApi()).body.status).toBe('invited');
  });
});

describe('CSV export', () => {
  it('exports the list as filtered, neutralising formula-looking cells, quoting, UTF-8 with BOM, audited', async () => {
    const company = await createCompany(t.services.db, { name: 'Export, "Quoted" GmbH' });
    const other = await createCompany(t.services.db, { name: 'Other Firm' });
    await createContact(t.services.db, { companyId: company.id, email: 'jörg@export.example', firstName: 'Jörg', lastName: '=HYPERLINK("x")' });
    await createContact(t.services.db, { companyId: company.id, email: 'plus@export.example', firstName: '@Sum', lastName: '-1' });
    await createContact(t.services.db, { companyId: company.id, email: 'off@export.example', status: 'disabled' });
    await createContact(t.services.db, { companyId: other.id, email: 'else@other.example' });
    await t.services.db('contacts').where({ email: 'plus@export.example' }).update({ phone: '+49 30 1234' });

    const list = await tech.get('/admin/contacts?q=export&status=active');
    const href = /href="(\/admin\/contacts\/export\.csv\?[^"]*)"/.exec(list.text)![1]!.replace(/&amp;/g, '&');
    expect(href).toBe('/admin/contacts/export.csv?q=export&status=active');
    const res = await tech
      .get(href)
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="?contacts-\d{4}-\d\d-\d\d\.csv"?$/);
    const body = res.body as Buffer;
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = body.toString('utf8').slice(1);
    expect(text.split('\r\n')[0]).toBe('email,first_name,last_name,company,phone');
    expect(text).toContain(`jörg@export.example,Jörg,"'=HYPERLINK(""x"")","Export, ""Quoted"" GmbH",`);
    expect(text).toContain(`plus@export.example,'@Sum,'-1,"Export, ""Quoted"" GmbH",'+49 30 1234`);
    expect(text).not.toContain('off@export.example'); // disabled: filtered out
    expect(text).not.toContain('else@other.example'); // does not match q=export
    expect(parse(text, { columns: true })).toHaveLength(2);

    const audit = await t.services.db('audit_events').where({ action: 'contact.exported' }).orderBy('id', 'desc').first();
    expect(audit.detail).toEqual({ rows: 2, filters: { q: 'export', status: 'active' } });
    expect(audit.actor_type).toBe('staff');
  });

  it('imports back unchanged: the preview of an exported file shows every row as "no change"', async () => {
    const company = await createCompany(t.services.db, { name: 'Round Trip AG', domains: ['round-trip.example'] });
    for (const [email, first, last] of [
      ['anna@round-trip.example', 'Änna', 'Müller'],
      ['formula@round-trip.example', '=1+2', '+Plus'],
      ['comma@round-trip.example', 'Comma, Name', 'With "Quotes"'],
    ])
      await createContact(t.services.db, { companyId: company.id, email, firstName: first, lastName: last });
    await t.services.db('contacts').where({ email: 'anna@round-trip.example' }).update({ phone: '+41 44 000' });

    const res = await tech.get('/admin/contacts/export.csv?q=round-trip').buffer(true);
    const html = await previewOf(tech, Buffer.from(res.text));
    const rows = Object.values(rowsOf(html));
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(html).toContain('0 to create, 0 to update, 3 without changes.');
    expect(html).toContain('3 rows to import, 0 with errors');
  });

  it('technicians may export (not only admins)', async () => {
    const res = await tech.get('/admin/contacts/export.csv');
    expect(res.status).toBe(200);
  });
});
