// Runs a form's action; on a ValidationError renders the form again with the messages beside the fields.
import type { Response } from 'express';
import { ValidationError } from '../lib/errors.js';

export async function handleForm(
  res: Response,
  action: () => Promise<void>,
  renderAgain: (errors: Record<string, string>, message: string) => Promise<void> | void,
): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    res.status(400);
    await renderAgain(error.fieldErrors, error.publicMessage);
  }
}
