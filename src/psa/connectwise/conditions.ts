// Building CW's `conditions` / `childConditions` strings. Strings are double-quoted (HealthITAU/pyconnectwise
// src/pyconnectwise/utils/experimental/condition.py writes `"{value}"` and escapes nothing). No source read
// says how a `"` or `\` inside a string is escaped (`\"`? `""`?), so such characters are kept out of
// conditions altogether: a value holding one is searched by its longest safe part, and every match is
// re-checked locally by the caller.

import { PsaError } from '../types.js';

const UNSAFE = /["\\]/;

/** A string literal for a value that holds no `"` or `\` (see safePart). */
export function cwString(value: string): string {
  if (UNSAFE.test(value)) throw new PsaError('connectwise', 'a condition value may not hold " or \\ (ConnectWise does not document their escaping)');
  return `"${value}"`;
}

/** Whether the value can go into a condition as is. */
export const isConditionSafe = (value: string) => !UNSAFE.test(value);

/** The longest run of the value without `"` or `\`, to search with `like "%…%"` (empty: none). */
export function safePart(value: string): string {
  return value.split(/["\\]+/).reduce((longest, part) => (part.length > longest.length ? part : longest), '');
}
