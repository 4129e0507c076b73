// zod → ValidationError with one message per field, for forms and query strings. Messages that are
// catalogue keys are given in the page's language (t; English by default, as the console and API want).
import type { z } from 'zod';
import { english, issueText, type Translate } from '../i18n/index.js';
import { ValidationError } from '../lib/errors.js';

export function parseInput<S extends z.ZodTypeAny>(schema: S, input: unknown, t: Translate = english): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const fieldErrors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    fieldErrors[field] ??= issueText(issue, t);
  }
  throw new ValidationError(Object.values(fieldErrors)[0] ?? t('validation.form'), fieldErrors);
}
