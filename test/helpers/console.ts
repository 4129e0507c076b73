// Signing in to the console and the portal the way people do, through one-time links.
import type { TestApp } from './app.js';
import { confirmLink, csrfFrom, linkFrom, requestToken } from './http.js';
import { createContact } from './factories.js';
import { formsFrom, submit } from './forms.js';

let n = 0;

export async function staffAgent(t: TestApp, role: 'admin' | 'technician', name = `${role === 'admin' ? 'Ada' : 'Tom'} ${++n}`) {
  const member = await t.services.staff.create({ email: `${role}${n}-${Date.now()}@msp.example`, name, role });
  const { link } = await t.services.magicLinks.generateForStaff(member.id);
  const agent = t.agent();
  const url = new URL(link);
  const page = await agent.get(url.pathname + url.search);
  const done = await agent
    .post(url.pathname)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), token: url.searchParams.get('token') });
  if (done.status !== 303) throw new Error(`staff sign-in failed: ${done.status}`);
  return { agent, member };
}

export async function clientAgent(t: TestApp, companyId?: number) {
  const contact = await createContact(t.services.db, { companyId, email: `client-${++n}-${Date.now()}@contoso.example` });
  const agent = t.agent();
  const before = t.smtp.messages.length;
  await requestToken(agent, contact.email);
  await t.settle();
  const signedIn = await confirmLink(agent, linkFrom(await t.smtp.waitForMail(contact.email, { after: before })));
  if (signedIn.status !== 303) throw new Error(`client sign-in failed: ${signedIn.status}`);
  return { agent, contact };
}

/** GETs a console page and POSTs a form from it with its CSRF token. */
export async function postForm(agent: ReturnType<TestApp['agent']>, pagePath: string, action: string, fields: Record<string, string>) {
  const page = await agent.get(pagePath);
  if (page.status !== 200) throw new Error(`GET ${pagePath} answered ${page.status}`);
  return agent
    .post(action)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...fields });
}

/** Answers a console confirm page (src/admin/confirm.ts) by submitting its form as rendered. */
export async function confirmOnPage(agent: ReturnType<TestApp['agent']>, page: { status: number; text: string }) {
  const form = formsFrom(page.text).find((f) => f.method === 'post' && f.fields.confirmed === 'yes');
  if (page.status !== 200 || !form) throw new Error(`expected a confirm page, got ${page.status}`);
  return submit(agent, form);
}
