// The portal's languages: the message catalogues, translate(), Accept-Language negotiation and the
// middleware that picks each request's language (the portico.lang cookie, else the browser's
// Accept-Language, else English) and hands `t`, `th` and `locale` to the views.
import type { NextFunction, Request, Response } from 'express';
import type { ZodIssue } from 'zod';
import { cookieNamesOf, readCookie } from '../http/cookies.js';
import type { Logger } from '../lib/logger.js';
import { de } from './catalog/de.js';
import { en, type MessageKey } from './catalog/en.js';
import type { Catalog } from './catalog/types.js';

export type { MessageKey };
export const SUPPORTED = ['en', 'de'] as const;
export type Locale = (typeof SUPPORTED)[number];
export const DEFAULT_LOCALE: Locale = 'en';

export const catalogs: Record<Locale, Catalog> = { en, de };

export type Params = Record<string, string | number>;
/** Already-escaped HTML for a th() parameter. */
export interface Html {
  html: string;
}
export type Translate = (key: MessageKey, params?: Params) => string;
export type TranslateHtml = (key: MessageKey, params?: Record<string, string | number | Html>) => string;

declare global {
  // Express's own Locals interface lives in the global Express namespace; augmenting it needs one.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      locale: Locale;
      t: Translate;
      th: TranslateHtml;
    }
  }
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (SUPPORTED as readonly string[]).includes(value);
}

export function isMessageKey(value: unknown): value is MessageKey {
  return typeof value === 'string' && Object.hasOwn(en, value);
}

/** Marks a string as a catalogue key where it is only stored (zod messages, key maps): typed, and found by the catalogue test. */
export function msg<K extends MessageKey>(key: K): K {
  return key;
}

/** The stored preference when it is a supported language, else English. */
export function localeOr(value: unknown): Locale {
  return isLocale(value) ? value : DEFAULT_LOCALE;
}

// A key missing from a catalogue falls back to English (or, missing there too, to the key itself) and
// is logged once per language and key. The catalogue test is what keeps this from happening.
let missingKeyLogger: Logger | undefined;
const reported = new Set<string>();

export function reportMissingKeysTo(logger: Logger): void {
  missingKeyLogger = logger;
}

function missing(locale: string, key: string): void {
  const id = `${locale}\u0000${key}`;
  if (reported.has(id) || !missingKeyLogger) return;
  reported.add(id);
  missingKeyLogger.warn({ locale, key }, 'message missing from the catalogue');
}

function interpolate(text: string, params: Record<string, unknown>, escape: (value: unknown) => string): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? escape(params[name]) : whole));
}

function lookup(locale: string, key: string): string {
  const catalog = (isLocale(locale) ? catalogs[locale] : en) as Record<string, string>;
  const text = Object.hasOwn(catalog, key) ? catalog[key] : undefined;
  if (text) return text;
  missing(locale, key);
  const english = Object.hasOwn(en, key) ? (en as Record<string, string>)[key] : undefined;
  return english || key;
}

/** The text of key in locale, with its {placeholders} filled in (plain text: escape it where it goes into HTML). */
export function translate(locale: string, key: MessageKey, params?: Params): string {
  const text = lookup(locale, key);
  return params ? interpolate(text, params, String) : text;
}

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c]!);
}

/** For the keys that carry markup (<strong>): the catalogue's HTML as is, every parameter escaped unless given as { html }. */
export function translateHtml(locale: string, key: MessageKey, params: Record<string, string | number | Html> = {}): string {
  return interpolate(lookup(locale, key), params, (value) =>
    typeof value === 'object' && value !== null && 'html' in value ? String((value as Html).html) : escapeHtml(value),
  );
}

export function translator(locale: string): Translate {
  return (key, params) => translate(locale, key, params);
}

export function htmlTranslator(locale: string): TranslateHtml {
  return (key, params) => translateHtml(locale, key, params);
}

export const english: Translate = translator(DEFAULT_LOCALE);

/** A zod issue's message in a language: its message is a catalogue key (with the issue's limits as parameters), or plain text kept as is. */
export function issueText(issue: ZodIssue, t: Translate = english): string {
  if (!isMessageKey(issue.message)) return issue.message;
  const params: Params = {};
  if (issue.code === 'too_big') params.max = Number(issue.maximum);
  if (issue.code === 'too_small') params.min = Number(issue.minimum);
  if (issue.code === 'custom' && issue.params) {
    for (const [name, value] of Object.entries(issue.params)) if (typeof value === 'string' || typeof value === 'number') params[name] = value;
  }
  return t(issue.message, params);
}

/** The best supported language for an Accept-Language header (q-values honoured, regions ignored), else English. */
export function negotiate(header: string | null | undefined): Locale {
  if (!header) return DEFAULT_LOCALE;
  const ranges = header
    .slice(0, 1000)
    .split(',')
    .map((part, index) => {
      const [tag = '', ...attributes] = part.split(';');
      let q = 1;
      for (const attribute of attributes) {
        const [name = '', value = ''] = attribute.split('=');
        // A malformed weight counts as 0: that range is ignored.
        if (name.trim().toLowerCase() === 'q') q = /^\s*(0(\.\d{0,3})?|1(\.0{0,3})?)\s*$/.test(value) ? Number(value) : 0;
      }
      return { tag: tag.trim().toLowerCase(), q, index };
    })
    .filter((range) => range.tag !== '' && range.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranges) {
    if (tag === '*') return DEFAULT_LOCALE;
    const primary = tag.split('-')[0];
    if (isLocale(primary)) return primary;
  }
  return DEFAULT_LOCALE;
}

/** The language cookie's value (portico.lang, set by the footer's switch), when the browser sent one. */
export function languageCookie(req: Request): string | undefined {
  return readCookie(req, cookieNamesOf(req).language);
}

/** This request's language: the switch's cookie when it names a supported language, else Accept-Language. */
export function requestLocale(req: Request): Locale {
  const chosen = languageCookie(req);
  return isLocale(chosen) ? chosen : negotiate(req.get('accept-language'));
}

/** Puts the language and its translators into res.locals (for views, routes and the error handler). */
export function localize(res: Response, locale: Locale): void {
  const { t, th } = translators[locale];
  res.locals.locale = locale;
  res.locals.t = t;
  res.locals.th = th;
  res.locals.languages = languages;
}

// Made once: every request in a language uses the same functions and the same list.
const translators = Object.fromEntries(SUPPORTED.map((code) => [code, { t: translator(code), th: htmlTranslator(code) }])) as Record<
  Locale,
  { t: Translate; th: TranslateHtml }
>;
const languages: ReadonlyArray<{ code: Locale; name: string }> = SUPPORTED.map((code) => ({ code, name: translate(code, 'language.name') }));

export interface I18nOptions {
  logger: Logger;
  /** Requests always in English (the console, apart from its sign-in pages). */
  englishOnly?: (req: Request) => boolean;
  /** Where the footer may offer the language switch (it posts to /language with the portal's session). */
  offersSwitch?: (req: Request) => boolean;
}

export function i18n(options: I18nOptions) {
  reportMissingKeysTo(options.logger);
  return (req: Request, res: Response, next: NextFunction): void => {
    localize(res, options.englishOnly?.(req) ? DEFAULT_LOCALE : requestLocale(req));
    res.vary('Accept-Language');
    // Where the switch sends the browser back to: this page; after a POST, views with a page of their
    // own to return to say so (a POST's path, e.g. /signin/email, often has no GET).
    res.locals.languageReturnTo = req.method === 'GET' || req.method === 'HEAD' ? req.originalUrl : '/';
    // Evaluated when a page renders: the switch needs the session's CSRF token, so no session, no switch.
    const offersSwitch = options.offersSwitch?.(req) ?? true; // now: routers mounted on a path change req.path
    Object.defineProperty(res.locals, 'languageSwitch', { get: () => offersSwitch && req.session != null, enumerable: true, configurable: true });
    next();
  };
}
