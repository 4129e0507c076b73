// One definition of an acceptable email address, used by every form and the API.
import { z } from 'zod';
import { msg } from '../i18n/index.js';

export const EMAIL_MAX_LENGTH = 254;

// The messages are catalogue keys: forms show them in the page's language, the console, the API and
// the CLI in English (see issueText in src/i18n).
export const emailSchema = z
  .string({ message: msg('validation.email.required') })
  .transform((v) => v.trim())
  .superRefine((v, ctx) => {
    const fail = (message: string, params?: Record<string, number>) => ctx.addIssue({ code: 'custom', message, params });
    if (v === '') return fail(msg('validation.email.required'));
    if (/[\r\n]/.test(v)) return fail(msg('validation.email.lineBreaks'));
    if (v.length > EMAIL_MAX_LENGTH) return fail(msg('validation.email.tooLong'), { max: EMAIL_MAX_LENGTH });
    const at = v.lastIndexOf('@');
    const local = v.slice(0, at);
    const domain = v.slice(at + 1);
    if (
      at < 1 ||
      /\s/.test(v) ||
      local.length > 64 ||
      !/^[^\s@"<>(),;:\\[\]]+$/.test(local) ||
      !/^([a-z0-9-]+\.)+[a-z0-9-]{2,}$/i.test(domain) ||
      domain.split('.').some((label) => label.length > 63 || label.startsWith('-') || label.endsWith('-'))
    ) {
      return fail(msg('validation.email.invalid'));
    }
  })
  .transform((v) => v.toLowerCase());

export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1);
}
