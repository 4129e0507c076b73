// What Autotask accepts in a new contact, so a create it would refuse is never sent.
//
// The entity's own rules come from GET /Contacts/entityInformation/fields ({fields: FieldInformationModel[]}
// with name, dataType, length, isRequired: aenichols/ATREST-CSharp-Client FieldInformationModel.cs), read
// once per adapter. When that read fails, the lengths Autotask documents for the same database entity are
// used (ecitsolutions/Autotask New-AtwsContact.ps1, generated from the SOAP getFieldInfo: firstName and
// lastName required, at most 50; emailAddress 254; phone 25), and the read is tried again next time.
import { PsaContactRejected, type NewPsaContact, type PsaContactField, type PsaFieldProblem } from '../types.js';

/** Portico's field → the Autotask Contacts field it is written to. */
export const CONTACT_FIELDS: Record<PsaContactField, string> = { firstName: 'firstName', lastName: 'lastName', phone: 'phone', email: 'emailAddress' };

export interface FieldRule {
  required: boolean;
  /** Unset: no limit we know of (a non-text field, or the vendor gave none). */
  maxLength?: number;
}

export type ContactRules = Record<PsaContactField, FieldRule>;

export const DOCUMENTED_CONTACT_RULES: ContactRules = {
  firstName: { required: true, maxLength: 50 },
  lastName: { required: true, maxLength: 50 },
  phone: { required: false, maxLength: 25 },
  email: { required: false, maxLength: 254 },
};

interface FieldInformation {
  name?: unknown;
  dataType?: unknown;
  length?: unknown;
  isRequired?: unknown;
}

/** The rules in an entityInformation/fields answer; a field it does not describe keeps the documented rule. */
export function rulesFromFieldInformation(body: unknown): ContactRules {
  const fields =
    body && typeof body === 'object' && Array.isArray((body as { fields?: unknown }).fields) ? ((body as { fields: FieldInformation[] }).fields ?? []) : [];
  if (!fields.length) throw new Error('entityInformation/fields listed no fields');
  const rules = { ...DOCUMENTED_CONTACT_RULES };
  for (const [ours, theirs] of Object.entries(CONTACT_FIELDS) as Array<[PsaContactField, string]>) {
    const info = fields.find((f) => typeof f?.name === 'string' && f.name.toLowerCase() === theirs.toLowerCase());
    if (!info) continue;
    // Only text fields have a length; dataType values are not enumerated in the sources, so anything else has none.
    const text = typeof info.dataType !== 'string' || info.dataType.toLowerCase() === 'string';
    const length = typeof info.length === 'number' && info.length > 0 && text ? info.length : undefined;
    rules[ours] = { required: info.isRequired === true, maxLength: length };
  }
  return rules;
}

/** The values as they will be sent: trimmed, an empty phone left out. */
export function contactValues(input: NewPsaContact): Record<PsaContactField, string> {
  return { firstName: input.firstName.trim(), lastName: input.lastName.trim(), phone: (input.phone ?? '').trim(), email: input.email.trim() };
}

/** Throws PsaContactRejected listing every field Autotask would refuse. */
export function checkContact(values: Record<PsaContactField, string>, rules: ContactRules): void {
  const problems: PsaFieldProblem[] = [];
  for (const field of Object.keys(CONTACT_FIELDS) as PsaContactField[]) {
    const value = values[field];
    const rule = rules[field];
    if (!value && rule.required) problems.push({ field, reason: 'required' });
    else if (rule.maxLength !== undefined && value.length > rule.maxLength) problems.push({ field, reason: 'tooLong', maxLength: rule.maxLength });
  }
  if (problems.length) throw new PsaContactRejected('autotask', problems);
}
