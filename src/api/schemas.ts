// What the User API accepts. JSON has real types, so numbers are numbers (no coercion from strings as
// in the console's forms), and unknown fields are refused rather than silently ignored: a typo such as
// "lastname" should not look like a successful update. Text rules match the console's (src/admin/schemas.ts).
import { z } from 'zod';
import { issueText } from '../i18n/index.js';
import { emailSchema } from '../lib/email.js';
import { ValidationError } from '../lib/errors.js';
import { singleLineText } from '../lib/text-rules.js';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 25;

const text = (max: number) => singleLineText(max, { notString: 'Must be a string' });

const companyId = z
  .number({ message: 'Give the id of a company (a whole number)' })
  .int('Give the id of a company (a whole number)')
  .positive('Give the id of a company (a whole number)')
  .max(2_147_483_647, 'Give the id of a company (a whole number)');

// Query strings arrive as text; a parameter given twice arrives as an array and is refused.
const queryInt = (name: string, max: number, fallback: number) =>
  z
    .string({ message: `Give ${name} once, as a whole number` })
    .regex(/^\d{1,9}$/, `${name} must be a whole number`)
    .transform(Number)
    .pipe(z.number().min(1, `${name} must be at least 1`).max(max, `${name} must be at most ${max}`))
    .optional()
    .transform((v) => v ?? fallback);

export const listQuerySchema = z.object({
  q: z.string({ message: 'Give q once' }).max(200, 'Use at most 200 characters').optional().default(''),
  page: queryInt('page', 100_000, 1),
  pageSize: queryInt('pageSize', MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
});

export const contactCreateSchema = z
  .object({
    companyId,
    email: emailSchema,
    firstName: text(100).optional().default(''),
    lastName: text(100).optional().default(''),
    phone: text(40)
      .nullable()
      .optional()
      .transform((v) => v || null),
  })
  .strict();

/** PATCH: only the fields sent change; `phone: null` (or "") clears the phone. */
export const contactUpdateSchema = z
  .object({
    companyId: companyId.optional(),
    email: emailSchema.optional(),
    firstName: text(100).optional(),
    lastName: text(100).optional(),
    phone: text(40)
      .nullable()
      .optional()
      .transform((v) => (v === undefined ? undefined : v || null)),
  })
  .strict();

const companyName = z
  .string({ message: 'Give the company name as a string' })
  .trim()
  .min(1, 'Give the company name')
  .max(200, 'Use at most 200 characters')
  .refine((v) => !/[\r\n<>]/.test(v), 'No line breaks, < or >');

export const companyCreateSchema = z
  .object({
    name: companyName,
    portalName: text(100)
      .nullable()
      .optional()
      .transform((v) => v || null),
  })
  .strict();

/** PATCH: only the fields sent change; `portalName: null` (or "") clears it. */
export const companyUpdateSchema = z
  .object({
    name: companyName.optional(),
    portalName: text(100)
      .nullable()
      .optional()
      .transform((v) => (v === undefined ? undefined : v || null)),
  })
  .strict();

/** Validates a JSON body or a query; refusals name each field (dotted path) with one message. */
export function parseApiInput<S extends z.ZodTypeAny>(schema: S, input: unknown, what: 'body' | 'query' = 'body'): z.infer<S> {
  if (what === 'body' && (input === null || typeof input !== 'object' || Array.isArray(input))) {
    throw new ValidationError('The body must be a JSON object.', { body: 'Must be a JSON object' });
  }
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') for (const key of issue.keys) fields[key] ??= 'Unknown field';
    else fields[issue.path.join('.') || what] ??= issueText(issue);
  }
  throw new ValidationError(`Check ${Object.keys(fields).join(', ')}: ${Object.values(fields)[0]}.`, fields);
}
