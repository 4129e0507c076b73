// Each mail is an HTML and a plain-text EJS view under views/emails/, rendered with the same data.
import path from 'node:path';
import ejs from 'ejs';
import { DEFAULT_LOCALE, htmlTranslator, translate, translator, type Locale } from '../i18n/index.js';
import { viewsDir } from '../lib/paths.js';
import { DEFAULT_ACCENT, type MailBrand } from '../brand/service.js';

// Client mails carry the recipient's language (absent: English); the test mail goes to staff, in English.
// brand: logo, colour and support line (mail/compose.ts fills it in; absent: the name alone, today's look).
export interface MailTemplates {
  'email-token': { portalName: string; link: string; code: string; minutes: number; email: string; locale?: Locale; brand?: MailBrand };
  'magic-link': { portalName: string; link: string; minutes: number; email: string; locale?: Locale; brand?: MailBrand };
  invitation: { portalName: string; portalUrl: string; email: string; firstName: string; locale?: Locale; brand?: MailBrand };
  'test-mail': { portalName: string; fromName: string; fromAddress: string; brand?: MailBrand };
}
export type TemplateName = keyof MailTemplates;

const subjects: { [K in TemplateName]: (data: MailTemplates[K], locale: Locale) => string } = {
  'email-token': (d, locale) => translate(locale, 'mail.emailToken.subject', { portal: d.portalName }),
  'magic-link': (d, locale) => translate(locale, 'mail.magicLink.subject', { portal: d.portalName }),
  invitation: (d, locale) => translate(locale, 'mail.invitation.subject', { portal: d.portalName }),
  'test-mail': (d) => `Test mail from ${d.portalName}`,
};

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

export async function renderMail<K extends TemplateName>(template: K, data: MailTemplates[K]): Promise<RenderedMail> {
  const file = (kind: string) => path.join(viewsDir, 'emails', `${template}.${kind}.ejs`);
  const locale = ('locale' in data && data.locale) || DEFAULT_LOCALE;
  const brand: MailBrand = data.brand ?? {
    name: data.portalName,
    accentColor: DEFAULT_ACCENT,
    logoSrc: null,
    support: { phone: '', address: '', url: '' },
    hasSupport: false,
    poweredBy: false,
  };
  const locals = { ...data, brand, locale, t: translator(locale), th: htmlTranslator(locale) };
  const [html, text] = await Promise.all([
    // cache: compiled once per process, not read and compiled for every mail.
    ejs.renderFile(file('html'), locals, { async: true, cache: true, root: viewsDir }),
    // Plain text must not be HTML-escaped; the text views use <%- only for values that are ours.
    ejs.renderFile(file('text'), locals, { async: true, cache: true, root: viewsDir, escape: (s: unknown) => String(s) }),
  ]);
  return { subject: subjects[template](data, locale), html, text };
}
