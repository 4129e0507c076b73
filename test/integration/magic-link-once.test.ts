// "Generate magic link" follows post/redirect/get: the POST makes one link, the page it redirects to
// shows it once, and a reload neither makes another (which would end the one already copied) nor shows
// it again. Forms are posted as the contact page renders them.
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { staffAgent } from '../helpers/console.js';
import { createCompany, createContact } from '../helpers/factories.js';
import { formsTo, submit } from '../helpers/forms.js';

let t: TestApp;
let tech: Awaited<ReturnType<typeof staffAgent>>['agent'];
let companyId: number;

beforeAll(async () => {
  t = await startTestApp();
  companyId = (await createCompany(t.services.db, { name: 'Once Ltd', domains: ['once.example'] })).id;
  tech = (await staffAgent(t, 'technician')).agent;
}, 120_000); // the embedded database's first open is slow on a loaded machine
afterAll(async () => t.close());

const linkOn = (html: string) => {
  const match = /id="magic-link" type="text" readonly value="([^"]+)"/.exec(html);
  return match ? new URL(match[1]!.replace(/&amp;/g, '&')) : undefined;
};
const tokensOf = (contactId: number) => t.services.db('login_tokens').where({ contact_id: contactId, purpose: 'magic_link' }).orderBy('created_at');

/** The contact signs in with the link in a browser of their own. */
async function signInAsContact(link: URL): Promise<string> {
  const contactBrowser = t.agent();
  const confirm = await contactBrowser.get(link.pathname + link.search);
  expect(confirm.status).toBe(200);
  const done = await submit(contactBrowser, formsTo(confirm.text, link.pathname)[0]!);
  expect(done.status).toBe(303);
  return (await contactBrowser.get('/')).text;
}

async function generate(contactId: number) {
  const page = await tech.get(`/admin/contacts/${contactId}`);
  const [form] = formsTo(page.text, `/admin/contacts/${contactId}/magic-link`);
  return submit(tech, form!);
}

it('shows the link once after the redirect; a reload makes no new token and the copied link still signs in', async () => {
  const contact = await createContact(t.services.db, { companyId, email: 'reload@once.example', firstName: 'Rea', lastName: 'Load' });
  const posted = await generate(contact.id);
  expect(posted.status).toBe(303);
  expect(posted.headers.location).toBe(`/admin/contacts/${contact.id}/magic-link`);

  const shown = await tech.get(posted.headers.location!);
  expect(shown.status).toBe(200);
  expect(shown.headers['cache-control']).toBe('no-store');
  expect(shown.headers['referrer-policy']).toBe('no-referrer');
  const copied = linkOn(shown.text)!;
  expect(copied.origin + copied.pathname).toBe('http://portal.test.example/signin/magic');
  expect(await tokensOf(contact.id)).toHaveLength(1);

  const reloaded = await tech.get(posted.headers.location!);
  expect(reloaded.status).toBe(200);
  expect(linkOn(reloaded.text)).toBeUndefined();
  expect(reloaded.text).toContain('was shown already');
  expect(reloaded.text).not.toContain(copied.searchParams.get('token')!);
  // ... and offers a new one.
  expect(reloaded.text).toContain('makes a new one and ends this one');
  expect(formsTo(reloaded.text, `/admin/contacts/${contact.id}/magic-link`)).toHaveLength(1);

  const tokens = await tokensOf(contact.id);
  expect(tokens).toHaveLength(1);
  expect(tokens[0]).toMatchObject({ consumed_at: null, revoked_at: null });
  expect(await signInAsContact(copied)).toContain('Rea Load');
  expect((await tokensOf(contact.id))[0].consumed_at).not.toBeNull();
});

it('generating again after the "shown already" notice makes a new link (and that one is shown once too)', async () => {
  const contact = await createContact(t.services.db, { companyId, email: 'again@once.example', firstName: 'Ag', lastName: 'Ain' });
  const first = linkOn((await tech.get((await generate(contact.id)).headers.location!)).text)!;
  const notice = await tech.get(`/admin/contacts/${contact.id}/magic-link`);
  const [generateButton] = formsTo(notice.text, `/admin/contacts/${contact.id}/magic-link`);
  const posted = await submit(tech, generateButton!);
  expect(posted.status).toBe(303);
  const second = linkOn((await tech.get(posted.headers.location!)).text)!;
  expect(second.searchParams.get('token')).not.toBe(first.searchParams.get('token'));
  expect(await tokensOf(contact.id)).toHaveLength(2);
  expect(await signInAsContact(second)).toContain('Ag Ain');
});

it('the result page without a generated link goes back to the contact; another console session sees nothing', async () => {
  const contact = await createContact(t.services.db, { companyId, email: 'nothing@once.example' });
  const none = await tech.get(`/admin/contacts/${contact.id}/magic-link`);
  expect(none.status).toBe(303);
  expect(none.headers.location).toBe(`/admin/contacts/${contact.id}`);

  const posted = await generate(contact.id);
  const otherTech = (await staffAgent(t, 'technician')).agent;
  const elsewhere = await otherTech.get(posted.headers.location!);
  expect(elsewhere.status).toBe(303);
  expect(linkOn((await tech.get(posted.headers.location!)).text)).toBeDefined();
  expect((await supertest(t.app).get(posted.headers.location!)).status).toBe(303);
});

it('"Send magic link by email" still mails a working link', async () => {
  const contact = await createContact(t.services.db, { companyId, email: 'mailed@once.example', firstName: 'Mai', lastName: 'Led' });
  const page = await tech.get(`/admin/contacts/${contact.id}`);
  const sent = await submit(tech, formsTo(page.text, `/admin/contacts/${contact.id}/magic-link/send`)[0]!);
  expect(sent.status).toBe(303);
  expect(sent.headers.location).toBe(`/admin/contacts/${contact.id}`);
  await t.settle();
  const mail = await t.smtp.waitForMail(contact.email);
  expect(await signInAsContact(new URL(/Login now: (\S+)/.exec(mail.text!)![1]!))).toContain('Mai Led');
});
