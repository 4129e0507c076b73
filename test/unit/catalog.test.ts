// The message catalogues: every key in every language, with the same placeholders, and every key the
// code and the views use defined. Also the language negotiation and translate()'s fallbacks.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { catalogs, english, issueText, negotiate, reportMissingKeysTo, SUPPORTED, translate, translateHtml, type MessageKey } from '../../src/i18n/index.js';
import type { Logger } from '../../src/lib/logger.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the catalogues', () => {
  const en = catalogs.en as Record<string, string>;

  it.each(SUPPORTED.filter((l) => l !== 'en'))('%s has exactly the English keys', (locale) => {
    const other = catalogs[locale] as Record<string, string>;
    const missing = Object.keys(en).filter((key) => !Object.hasOwn(other, key));
    const extra = Object.keys(other).filter((key) => !Object.hasOwn(en, key));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  });

  it.each(SUPPORTED)('%s has no empty strings', (locale) => {
    const empty = Object.entries(catalogs[locale]).filter(([, text]) => typeof text !== 'string' || text.trim() === '');
    expect(empty).toEqual([]);
  });

  it.each(SUPPORTED.filter((l) => l !== 'en'))('%s uses the same placeholders as English in every message', (locale) => {
    const other = catalogs[locale] as Record<string, string>;
    const differing = Object.keys(en)
      .filter((key) => Object.hasOwn(other, key) && placeholders(en[key]!).join() !== placeholders(other[key]!).join())
      .map((key) => ({ key, en: placeholders(en[key]!), [locale]: placeholders(other[key]!) }));
    expect(differing).toEqual([]);
  });

  it.each(SUPPORTED)('%s keeps the markup of the HTML messages balanced', (locale) => {
    for (const text of Object.values(catalogs[locale])) {
      expect((text.match(/<strong>/g) ?? []).length).toBe((text.match(/<\/strong>/g) ?? []).length);
    }
  });
});

// Every literal key in t('…'), th('…'), msg('…') and translate(locale, '…') under views/ and src/.
function filesUnder(dir: string, extensions: string[]): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return filesUnder(full, extensions);
    return extensions.some((ext) => name.endsWith(ext)) ? [full] : [];
  });
}

const KEY_USES = [
  /(?<![\w.$])(?:t|th|msg)\(\s*(['"`])([^'"`$]+)\1/g,
  /\.t\(\s*(['"`])([^'"`$]+)\1/g,
  /\btranslate(?:Html)?\(\s*[^,()]+,\s*(['"`])([^'"`$]+)\1/g,
  /\bmessageKey:\s*(['"`])([^'"`$]+)\1/g,
];

function keysUsedIn(source: string): string[] {
  return KEY_USES.flatMap((pattern) => [...source.matchAll(pattern)].map((m) => m[2]!));
}

describe('the keys the code uses', () => {
  const files = [...filesUnder(path.join(root, 'views'), ['.ejs']), ...filesUnder(path.join(root, 'src'), ['.ts'])].filter(
    (file) => !file.includes(`${path.sep}catalog${path.sep}`),
  );
  const uses = files.flatMap((file) => keysUsedIn(readFileSync(file, 'utf8')).map((key) => ({ file: path.relative(root, file), key })));

  it('finds the keys (the scan works)', () => {
    expect(
      keysUsedIn(`<%= t('a.b') %> res.locals.t("c.d", { x }) msg('e.f') translate(locale, 'g.h') th('i.j', {}) { messageKey: 'k.l' } format('no') at('no')`),
    ).toEqual(['a.b', 'e.f', 'i.j', 'c.d', 'g.h', 'k.l']);
    expect(uses.length).toBeGreaterThan(100);
    expect(new Set(uses.map((u) => u.file.split(path.sep)[0])).size).toBe(2); // views and src
  });

  it('uses no key that the catalogue lacks', () => {
    const undefinedKeys = uses.filter(({ key }) => !Object.hasOwn(catalogs.en, key));
    expect(undefinedKeys).toEqual([]);
  });
});

describe('translate', () => {
  it('fills in placeholders, and leaves unknown ones as they are', () => {
    expect(translate('en', 'confirm.heading', { portal: 'Client Portal', email: 'a@b.example' })).toBe('Sign in to Client Portal as a@b.example?');
    expect(translate('de', 'confirm.heading', { portal: 'Client Portal', email: 'a@b.example' })).toBe('Bei Client Portal als a@b.example anmelden?');
    expect(translate('en', 'confirm.heading', { portal: '{email}' })).toBe('Sign in to {email} as {email}?');
  });

  it('falls back to English for an unsupported language, and for a key missing in the language, logging it once', () => {
    const warnings: unknown[] = [];
    reportMissingKeysTo({ warn: (...args: unknown[]) => warnings.push(args) } as unknown as Logger);
    expect(translate('fr', 'signin.title')).toBe('Sign in');
    const de = catalogs.de as Record<string, string>;
    const saved = de['signin.title'];
    delete de['signin.title'];
    try {
      expect(translate('de', 'signin.title')).toBe('Sign in');
      expect(translate('de', 'signin.title')).toBe('Sign in');
    } finally {
      de['signin.title'] = saved!;
    }
    expect(translate('de', 'no.such.key' as MessageKey)).toBe('no.such.key');
    expect(warnings).toEqual([
      [{ locale: 'de', key: 'signin.title' }, 'message missing from the catalogue'],
      [{ locale: 'de', key: 'no.such.key' }, 'message missing from the catalogue'],
    ]);
  });

  it('escapes the parameters of HTML messages, not their markup', () => {
    expect(translateHtml('en', 'createAccount.intro', { email: '<b>x</b>@y.example', company: 'A & B' })).toBe(
      'Welcome! <strong>&lt;b&gt;x&lt;/b&gt;@y.example</strong> belongs to <strong>A &amp; B</strong>. Tell us your name to finish.',
    );
    expect(translateHtml('de', 'checkMail.resendIn', { seconds: { html: '<span>5</span>' } })).toBe('Erneut senden (in <span>5</span> s)');
  });

  it('gives zod messages that are keys in the language asked for, with the limits', () => {
    const schema = z.object({ name: z.string().max(3, 'validation.tooLong'), other: z.string({ message: 'plain text' }) });
    const result = schema.safeParse({ name: 'abcd' });
    expect(result.success).toBe(false);
    const issues = result.success ? [] : result.error.issues;
    expect(issues.map((issue) => issueText(issue))).toEqual(['Use at most 3 characters', 'plain text']);
    expect(issueText(issues[0]!, (key, params) => translate('de', key, params))).toBe('Verwenden Sie höchstens 3 Zeichen');
    expect(english('validation.email.tooLong', { max: 254 })).toBe('An email address has at most 254 characters');
  });
});

describe('negotiate (Accept-Language)', () => {
  it.each([
    ['de-CH,de;q=0.9', 'de'],
    ['de', 'de'],
    ['DE-at', 'de'],
    ['en-US,en;q=0.9,de;q=0.8', 'en'],
    ['fr-FR,fr;q=0.9,de;q=0.5,en;q=0.4', 'de'],
    ['en;q=0.5,de;q=0.9', 'de'],
    ['de;q=0,en', 'en'],
    ['fr-FR,fr;q=0.9', 'en'],
    ['*', 'en'],
    ['', 'en'],
    [undefined, 'en'],
    ['de;q=abc', 'en'],
    ['de;q=1.5', 'en'],
    ['fr,de;q=0.800', 'de'],
    [';;,,de', 'de'],
  ])('%p → %s', (header, locale) => {
    expect(negotiate(header)).toBe(locale);
  });
});
