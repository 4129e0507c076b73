// Company email domains: normalized (lower case, no trailing dot, IDN as punycode) and validated as a
// hostname before they are stored or compared.
import { domainToASCII } from 'node:url';
import { FREE_MAIL_DOMAINS } from './free-mail-domains.js';

export type DomainCheck = { ok: true; domain: string } | { ok: false; message: string };

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function normalizeDomain(input: string): DomainCheck {
  let value = input.trim().toLowerCase();
  if (value.startsWith('@')) value = value.slice(1); // people paste "@contoso.com"
  if (value.endsWith('.')) value = value.slice(0, -1);
  if (value === '') return { ok: false, message: 'Enter a domain, e.g. contoso.com' };
  if (/[\s/:@]/.test(value)) return { ok: false, message: 'Enter only the domain, e.g. contoso.com (no address, URL or spaces)' };
  const ascii = domainToASCII(value);
  if (!ascii) return { ok: false, message: `"${input.trim().slice(0, 80)}" is not a valid domain` };
  const labels = ascii.split('.');
  if (ascii.length > 253 || labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^\d+$/.test(labels.at(-1)!)) {
    return { ok: false, message: `"${input.trim().slice(0, 80)}" is not a valid domain: use a name like contoso.com` };
  }
  if (FREE_MAIL_DOMAINS.has(ascii)) return { ok: false, message: `${ascii} is a free mail service: addresses there belong to anyone, not to one company` };
  return { ok: true, domain: ascii };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function normalizeTenantId(input: string): { ok: true; tenantId: string } | { ok: false; message: string } {
  const value = input
    .trim()
    .toLowerCase()
    .replace(/^\{|\}$/g, '');
  return GUID.test(value) ? { ok: true, tenantId: value } : { ok: false, message: 'Enter the tenant ID as a GUID, e.g. 72f988bf-86f1-41af-91ab-2d7cd011db47' };
}
