// What the email-token forms accept.
import { z } from 'zod';
import { emailSchema } from '../../lib/email.js';
import { normalizeCode } from '../login-tokens.js';
import { CODE_ALPHABET } from '../../lib/crypto.js';

export const requestSchema = z.object({ email: emailSchema });

const codePattern = new RegExp(`^[${CODE_ALPHABET}]{8}$`);
export const codeSchema = z.object({
  code: z
    .string({ message: 'Enter the code from the mail' })
    .max(40, 'Enter the 8-character code from the mail, e.g. ABCD-EFGH')
    .transform(normalizeCode)
    .refine((v) => v.length > 0, 'Enter the code from the mail')
    .refine((v) => codePattern.test(v), 'Enter the 8-character code from the mail, e.g. ABCD-EFGH'),
});

export const linkSchema = z.object({ token: z.string().max(200).default('') });
