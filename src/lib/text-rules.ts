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

export const PERSON_NAME_MAX = 100;

/** A person's first or last name on a client page; the messages are catalogue keys (see http/validate.ts). */
export const personName = (messages: { required: string; tooLong: string; invalid: string }) => requiredName(PERSON_NAME_MAX, messages);

// Control characters (C0, DEL, C1) and the characters a form would refuse in a name.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_OR_MARKUP = /[\u0000-\u001f\u007f-\u009f<>]/g;

/**
 * A name that comes from elsewhere (a Microsoft ID token), made to obey the rules a form enforces:
 * controls and < > become spaces, runs of white space one space, and it is cut to PERSON_NAME_MAX
 * characters as the form counts them (UTF-16 units), never inside a code point. May return '' (the
 * caller picks a fallback).
 */
export function cleanPersonName(value: string): string {
  let cut = '';
  for (const codePoint of value.replace(CONTROL_OR_MARKUP, ' ').replace(/\s+/g, ' ').trim()) {
    if (cut.length + codePoint.length > PERSON_NAME_MAX) break;
    cut += codePoint;
  }
  return cut.trim();
}

/** The first or last name field of a client form (Create your account, profile), with catalogue-key messages. */
export const personNameField = (field: 'firstName' | 'lastName') =>
  personName({ required: msg(`validation.${field}.required`), tooLong: msg('validation.tooLong'), invalid: msg(`validation.${field}.invalid`) });
