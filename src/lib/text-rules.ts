// Text rules every form and the User API share. Names, phone numbers and labels are shown in pages
// and mail headers, so they stay on one line and carry no markup; each rule is written once, here.
import { z } from 'zod';
import { msg } from '../i18n/index.js';

const MARKUP_OR_LINE_BREAK = /[\r\n<>]/;

/** True when the text has a line break, < or >: refused in names, phone numbers and labels. */
export const hasMarkupOrLineBreak = (value: string): boolean => MARKUP_OR_LINE_BREAK.test(value);

/** Trimmed single-line text of at most `max` characters, without < or >; may be empty. */
export const singleLineText = (max: number, messages: { tooLong?: string; invalid?: string; notString?: string } = {}) =>
  z
    .string(messages.notString ? { message: messages.notString } : undefined)
    .trim()
    .max(max, messages.tooLong ?? `Use at most ${max} characters`)
    .refine((v) => !hasMarkupOrLineBreak(v), messages.invalid ?? 'No line breaks, < or >');

/** A required single-line name (a person's first or last name, a company or key name). */
export const requiredName = (max: number, messages: { required: string; tooLong: string; invalid: string }) =>
  z
    .string({ message: messages.required })
    .trim()
    .min(1, messages.required)
    .max(max, messages.tooLong)
    .refine((v) => !hasMarkupOrLineBreak(v), messages.invalid);

/** A person's first or last name on a client page; the messages are catalogue keys (see http/validate.ts). */
export const personName = (messages: { required: string; tooLong: string; invalid: string }) => requiredName(100, messages);

/** The first or last name field of a client form (Create your account, profile), with catalogue-key messages. */
export const personNameField = (field: 'firstName' | 'lastName') =>
  personName({ required: msg(`validation.${field}.required`), tooLong: msg('validation.tooLong'), invalid: msg(`validation.${field}.invalid`) });
