// What the email-token forms accept. Messages are catalogue keys (shown in the page's language).
import { z } from 'zod';
import { msg } from '../../i18n/index.js';
import { emailSchema } from '../../lib/email.js';
import { normalizeCode } from '../login-tokens.js';
import { CODE_ALPHABET } from '../../lib/crypto.js';
import { INVISIBLE_CHARACTERS } from './address-budget.js';

// An address with characters that show nothing is refused, with its own message: it would look like
// someone else's address in the console and the audit log.
export const requestSchema = z.object({
  email: z
    .string({ message: msg('validation.email.required') })
    .refine((v) => !INVISIBLE_CHARACTERS.test(v), msg('validation.email.invisible'))
    .pipe(emailSchema),
});

const codePattern = new RegExp(`^[${CODE_ALPHABET}]{8}$`);
export const codeSchema = z.object({
  code: z
    .string({ message: msg('validation.code.required') })
    .max(40, msg('validation.code.format'))
    .transform(normalizeCode)
    .refine((v) => v.length > 0, msg('validation.code.required'))
    .refine((v) => codePattern.test(v), msg('validation.code.format')),
});

export const linkSchema = z.object({ token: z.string().max(200).default('') });
