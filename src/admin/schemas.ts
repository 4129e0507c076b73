// What the console's forms accept.
import { z } from 'zod';
import { emailSchema } from '../lib/email.js';
import { requiredName, singleLineText } from '../lib/text-rules.js';

// A browser sends a checked box as its value ("on") and leaves an unchecked one out.
export const checkbox = z
  .string()
  .optional()
  .transform((v) => v === 'on' || v === 'true' || v === '1');

const name = (label: string, max = 100) =>
  requiredName(max, { required: `Enter the ${label}`, tooLong: `Use at most ${max} characters`, invalid: `The ${label} cannot contain line breaks, < or >` });
const optionalText = (max: number) => singleLineText(max).optional().default('');

export const companySchema = z.object({ name: name('company name', 200), portalName: optionalText(100) });
export const domainSchema = z.object({ domain: z.string().max(300).default('') });
export const tenantSchema = z.object({ tenantId: z.string().max(100).default('') });

export const contactSchema = z.object({
  companyId: z.coerce.number({ message: 'Choose a company' }).int('Choose a company').positive('Choose a company').max(2_147_483_647, 'Choose a company'),
  email: emailSchema,
  firstName: optionalText(100),
  lastName: optionalText(100),
  phone: optionalText(40),
});

export const staffSchema = z.object({
  email: emailSchema,
  name: name('name'),
  role: z.enum(['admin', 'technician'], { message: 'Choose admin or technician' }),
});
export const staffChangeSchema = z.object({ role: z.enum(['admin', 'technician'], { message: 'Choose admin or technician' }), disabled: checkbox });

export const importSchema = z.object({ draftId: z.string().max(64).default(''), sendInvitations: checkbox });

export const apiKeySchema = z.object({ name: name('key name') });
