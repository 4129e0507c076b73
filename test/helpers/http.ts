// Driving the portal as a browser would: read the CSRF field from a page, submit forms, follow mail.
import type { ParsedMail } from 'mailparser';
import type supertest from 'supertest';

type Agent = ReturnType<typeof supertest.agent>;

export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no _csrf field on the page');
  return match[1]!;
}

export async function csrfFor(agent: Agent, path = '/signin'): Promise<string> {
  const page = await agent.get(path);
  return csrfFrom(page.text);
}

export async function requestToken(agent: Agent, email: string) {
  const _csrf = await csrfFor(agent);
  return agent.post('/signin/email').type('form').send({ _csrf, email });
}

export function linkFrom(mail: ParsedMail): URL {
  const match = /Login now: (\S+)/.exec(mail.text ?? '');
  if (!match) throw new Error('no sign-in link in the mail');
  return new URL(match[1]!);
}

export function codeFrom(mail: ParsedMail): string {
  const match = /code on the sign-in page: ([A-Z0-9]{4}-[A-Z0-9]{4})/.exec(mail.text ?? '');
  if (!match) throw new Error('no code in the mail');
  return match[1]!;
}

/** Opens the confirm page of a link and presses Sign in. */
export async function confirmLink(agent: Agent, link: URL) {
  const page = await agent.get(link.pathname + link.search);
  if (page.status !== 200) return page;
  return agent
    .post('/signin/verify')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), token: link.searchParams.get('token') });
}

export async function submitCode(agent: Agent, code: string) {
  const page = await agent.get('/signin/code');
  return agent
    .post('/signin/code')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), code });
}
