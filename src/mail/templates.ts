// Each mail is an HTML and a plain-text EJS view under views/emails/, rendered with the same data.
import path from 'node:path';
import ejs from 'ejs';
import { viewsDir } from '../lib/paths.js';

export interface MailTemplates {
  'email-token': { portalName: string; link: string; code: string; minutes: number; email: string };
  'magic-link': { portalName: string; link: string; minutes: number; email: string };
  invitation: { portalName: string; portalUrl: string; email: string; firstName: string };
  'test-mail': { portalName: string; fromName: string; fromAddress: string };
}
export type TemplateName = keyof MailTemplates;

const subjects: { [K in TemplateName]: (data: MailTemplates[K]) => string } = {
  'email-token': (d) => `Your sign-in link for ${d.portalName}`,
  'magic-link': (d) => `Your sign-in link for ${d.portalName}`,
  invitation: (d) => `You are invited to ${d.portalName}`,
  'test-mail': (d) => `Test mail from ${d.portalName}`,
};

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

export async function renderMail<K extends TemplateName>(template: K, data: MailTemplates[K]): Promise<RenderedMail> {
  const file = (kind: string) => path.join(viewsDir, 'emails', `${template}.${kind}.ejs`);
  const [html, text] = await Promise.all([
    // cache: compiled once per process, not read and compiled for every mail.
    ejs.renderFile(file('html'), data, { async: true, cache: true }),
    // Plain text must not be HTML-escaped; the text views use <%- only for values that are ours.
    ejs.renderFile(file('text'), data, { async: true, cache: true, escape: (s: unknown) => String(s) }),
  ]);
  return { subject: subjects[template](data), html, text };
}
