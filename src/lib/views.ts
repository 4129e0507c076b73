// EJS for Express, every page inside a layout. Views include each other by their path in views/
// ("/partials/field"), resolved against the views folder: a relative include would be looked for on
// disk at every render.
//
// A page holds only its body. The renderer renders it, then the page's layout (views/layouts/) with
// the page's HTML as `body`. Which layout is decided here, by the page's folder, not in every page:
//   admin/   console: the console behind its sign-in (a staff member is signed in: navigation, sign-out)
//   auth/    portal: the sign-in pages, the console's as well. /admin/signin renders these same views to
//            someone not signed in yet, so there is no console navigation to show; the console's sign-in
//            pages have always had the portal's header.
//   portal/  portal
//   others   none: errors/ chooses for itself (it is shown on both sides), partials/ and emails/ are
//            not pages.
// A page chooses another (or a folder without a rule chooses one) with <% layout('console') %>; the
// second argument gives the layout locals of its own, e.g. { message: undefined } where the page shows
// the message itself.
//
// Besides Express's locals, every page, partial and layout has:
//   csrfField()                the hidden _csrf input with this browser's token (see http/csrf.ts)
//   formatDateTime(moment, …)  a <time> element in the page's language and the viewer's zone
//                              (lib/date-time.ts): res.locals.timeZone, the browser's zone from its
//                              cookie (lib/time-zone.ts); UTC until the viewer's zone is known
//   layout(name, locals?)      see above
// Nothing here reads or compiles a file per render when Express's "view cache" is on (production): every
// page, partial and layout is compiled once, by EJS, and kept here. Without it (development) every render
// reads its files again, so an edited view shows at once.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import { DEFAULT_LOCALE, escapeHtml, isLocale } from '../i18n/index.js';
import { DEFAULT_TIME_ZONE, dateTimeFormatter, type FormatDateTime } from './date-time.js';
import { viewsDir } from './paths.js';

export const LAYOUTS = ['portal', 'console'] as const;
export type LayoutName = (typeof LAYOUTS)[number];

const layoutFiles = Object.fromEntries(LAYOUTS.map((name) => [name, path.join(viewsDir, 'layouts', `${name}.ejs`)])) as Record<LayoutName, string>;

const layoutByFolder: ReadonlyArray<readonly [folder: string, layout: LayoutName]> = [
  ['admin', 'console'],
  ['auth', 'portal'],
  ['portal', 'portal'],
].map(([folder, layout]) => [path.join(viewsDir, folder!) + path.sep, layout as LayoutName] as const);

/** The layout a page gets unless it calls layout(): by its folder under views/ (see above). */
export function defaultLayout(file: string): LayoutName | null {
  return layoutByFolder.find(([folder]) => file.startsWith(folder))?.[1] ?? null;
}

// The formatter for a language and zone (a zone only Intl knows reaches here: lib/time-zone.ts).
function formatterFor(locale: unknown, timeZone: unknown): FormatDateTime {
  return dateTimeFormatter(isLocale(locale) ? locale : DEFAULT_LOCALE, typeof timeZone === 'string' ? timeZone : DEFAULT_TIME_ZONE);
}

/** The hidden field http/csrf.ts checks (its name, _csrf, is part of every form's contract). */
export function csrfInput(token: unknown): string {
  return `<input type="hidden" name="_csrf" value="${token == null ? '' : escapeHtml(token)}">`;
}

type Callback = (err: Error | null, html?: string) => void;

// EJS's compiled template in client mode: it is given its locals, the escaping and the include
// function, rather than EJS's wrapper, which copies every local into a new object for each include.
type Include = (name: string, own?: object) => string;
type Template = (locals: object, escape: (value: unknown) => string, include: Include) => string;

const templates = new Map<string, Template>();

/** The compiled template of a file: compiled once when `cache` (Express's "view cache", on in production), else read anew. */
function templateOf(file: string, cache: boolean): Template {
  const cached = cache ? templates.get(file) : undefined;
  if (cached) return cached;
  const template = ejs.compile(readFileSync(file, 'utf8'), { filename: file, root: viewsDir, client: true }) as unknown as Template;
  if (cache) templates.set(file, template);
  return template;
}

// As EJS resolves an include: "/partials/field" against the views folder, a relative name against the
// including file's folder; ".ejs" unless the name has an extension.
function includePath(name: string, from: string): string {
  return name.startsWith('/') ? ejs.resolveInclude(name.replace(/^\/*/, ''), viewsDir, true) : ejs.resolveInclude(name, from);
}

/**
 * Renders a file with these locals. An include sees the includer's locals with its own laid over them,
 * in a fresh object (as with EJS's own include: nothing an include assigns reaches the includer); the
 * object inherits the includer's locals rather than copying them, so an include costs the same however
 * many locals a page has.
 */
function renderTemplate(file: string, locals: object, cache: boolean): string {
  const include: Include = (name, own) => renderTemplate(includePath(name, file), Object.assign(Object.create(locals) as object, own), cache);
  return templateOf(file, cache)(locals, ejs.escapeXML, include);
}

/** Express's view engine: `cache` is Express's "view cache" setting (on in production). */
export function renderView(file: string, data: object, callback: Callback): void {
  const express = data as Record<string, unknown>;
  const cache = express.cache === true;
  let layout = defaultLayout(file);
  let layoutLocals: object = {};
  // Express's data is made for this render (app.locals, res.locals and the page's own, merged): the
  // helpers join it rather than a copy of it.
  const locals = Object.assign(express, {
    csrfField: () => csrfInput(express.csrfToken),
    formatDateTime: formatterFor(express.locale, express.timeZone),
    layout: (name: LayoutName | null, own: object = {}) => {
      if (name !== null && !LAYOUTS.includes(name)) throw new Error(`no layout named ${String(name)}`);
      layout = name;
      layoutLocals = own;
      return '';
    },
  });
  let html: string;
  try {
    const body = renderTemplate(file, locals, cache);
    // locals is this render's own object: the layout may take it over.
    html = layout ? renderTemplate(layoutFiles[layout], Object.assign(locals, layoutLocals, { body }), cache) : body;
  } catch (error) {
    return callback(error as Error);
  }
  callback(null, html);
}
