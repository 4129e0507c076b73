// What the PSA would refuse in a new contact, as messages beside the create-account form's fields.
import type { Translate } from '../../i18n/index.js';
import { ValidationError } from '../../lib/errors.js';
import type { PsaContactRejected, PsaFieldProblem } from '../../psa/types.js';

export function psaFieldErrors(problems: PsaFieldProblem[], t: Translate): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const problem of problems) {
    const { field } = problem;
    if (problem.reason === 'tooLong')
      errors[field] ??= field === 'email' ? t('validation.email.tooLong', { max: problem.maxLength }) : t('validation.tooLong', { max: problem.maxLength });
    // The address is never empty here (it was proven); the other three each have their own message.
    else if (field !== 'email') errors[field] ??= t(`validation.${field}.required`);
  }
  return errors;
}

/** The rejection as the form's ValidationError; an address problem (no field for it) is the form's message. */
export function psaRejectionAsValidation(error: PsaContactRejected, t: Translate): ValidationError {
  const errors = psaFieldErrors(error.problems, t);
  return new ValidationError(errors.email ?? t('createAccount.psaNeedsDetails'), errors);
}
