// Showing stored values to people on console pages: domains in their Unicode form (stored as ASCII,
// punycode for internationalized names), handed to the views as showDomain() and domainForPeople().
import { domainToUnicode } from 'node:url';
import type { NextFunction, Request, Response } from 'express';
import { escapeHtml } from '../i18n/index.js';

/** "müller.example (xn--mller-kva.example)" for a punycode domain, the domain itself otherwise; plain text. */
export function domainForPeople(ascii: string): string {
  const unicode = domainToUnicode(ascii);
  return unicode && unicode !== ascii ? `${unicode} (${ascii})` : ascii;
}

/** HTML: the Unicode form, with the stored punycode in small text beside it when they differ. */
export function showDomain(ascii: string): string {
  const unicode = domainToUnicode(ascii);
  if (!unicode || unicode === ascii) return `<span class="domain">${escapeHtml(ascii)}</span>`;
  return `<span class="domain">${escapeHtml(unicode)} <small class="muted punycode">${escapeHtml(ascii)}</small></span>`;
}

/** The helpers above for every console page. */
export function presentLocals(_req: Request, res: Response, next: NextFunction): void {
  res.locals.showDomain = showDomain;
  res.locals.domainForPeople = domainForPeople;
  next();
}
