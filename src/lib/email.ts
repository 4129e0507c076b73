// One definition of an acceptable email address, used by every form and the API.
import { z } from 'zod';

export const EMAIL_MAX_LENGTH = 254;

export const emailSchema = z
  .string({ message: 'Enter your email address' })
  .transform((v) => v.trim())
  .superRefine((v, ctx) => {
    const fail = (message: string) => ctx.addIssue({ code: 'custom', message });
    if (v === '') return fail('Enter your email address');
    if (/[\r\n]/.test(v)) return fail('An email address cannot contain line breaks');
    if (v.length > EMAIL_MAX_LENGTH) return fail(`An email address has at most ${EMAIL_MAX_LENGTH} characters`);
    const at = v.lastIndexOf('@');
    const local = v.slice(0, at);
    const domain = v.slice(at + 1);
    if (at < 1 || /\s/.test(v) || local.length > 64 || !/^[^\s@"<>(),;:\\[\]]+$/.test(local) || !/^([a-z0-9-]+\.)+[a-z0-9-]{2,}$/i.test(domain) || domain.split('.').some((label) => label.length > 63 || label.startsWith('-') || label.endsWith('-'))) {
      return fail('Enter an email address like name@company.com');
    }
  })
  .transform((v) => v.toLowerCase());

export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1);
}
