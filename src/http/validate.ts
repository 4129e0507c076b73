// zod → ValidationError with one message per field, for forms and query strings.
import type { z } from 'zod';
import { ValidationError } from '../lib/errors.js';

export function parseInput<S extends z.ZodTypeAny>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const fieldErrors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    fieldErrors[field] ??= issue.message;
  }
  throw new ValidationError(Object.values(fieldErrors)[0] ?? 'Check the form and try again.', fieldErrors);
}
