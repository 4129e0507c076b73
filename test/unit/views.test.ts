// The view layer: which layout wraps a page, the one CSRF field, the one date/time formatter.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dateTimeFormatter, formatDateTimeText } from '../../src/lib/date-time.js';
import { htmlTranslator, SUPPORTED, translate, translator, type Locale } from '../../src/i18n/index.js';
import { viewsDir } from '../../src/lib/paths.js';
import { csrfInput, defaultLayout, renderView } from '../../src/lib/views.js';

const at = new Date('2026-12-03T08:43:21.000Z');

describe('formatDateTime', () => {
  it('writes English in ISO order and German as the German numeric date, in UTC by default', () => {
    expect(formatDateTimeText(at, 'en')).toBe('2026-12-03 08:43 UTC');
    expect(formatDateTimeText(at, 'de')).toBe('03.12.2026, 08:43 UTC');
    expect(formatDateTimeText(at, 'en', 'UTC', true)).toBe('2026-12-03 08:43:21 UTC');
    expect(formatDateTimeText(at.toISOString(), 'de', 'UTC', true)).toBe('03.12.2026, 08:43:21 UTC');
  });

  it('shows the moment in the viewer’s zone once it is known', () => {
    expect(formatDateTimeText(at, 'de', 'Europe/Berlin')).toMatch(/^03\.12\.2026, 09:43 \S+$/);
    expect(formatDateTimeText(new Date('2026-12-31T23:30:00Z'), 'en', 'Europe/Berlin')).toMatch(/^2027-01-01 00:30 \S+$/);
  });

  it('renders a <time> element that keeps the exact instant in its datetime attribute', () => {
    const format = dateTimeFormatter('en');
    expect(format(at)).toBe('<time datetime="2026-12-03T08:43:21.000Z">2026-12-03 08:43 UTC</time>');
    expect(format(at, { seconds: true, attributes: { 'data-x': '"<1>"' } })).toBe(
      '<time datetime="2026-12-03T08:43:21.000Z" data-x="&#34;&lt;1&gt;&#34;">2026-12-03 08:43:21 UTC</time>',
    );
    expect(() => format(at, { attributes: { 'on click': 'x' } })).toThrow(RangeError);
    expect(() => format('not a date')).toThrow(RangeError);
  });
});

it('prints the CSRF field under the name the check reads, its token escaped', () => {
  expect(csrfInput('a"b<')).toBe('<input type="hidden" name="_csrf" value="a&#34;b&lt;">');
  expect(csrfInput(undefined)).toBe('<input type="hidden" name="_csrf" value="">');
});

describe('layouts', () => {
  const view = (name: string) => path.join(viewsDir, `${name}.ejs`);
  const render = (name: string, locals: Record<string, unknown>, locale: Locale = 'en') =>
    new Promise<string>((resolve, reject) => {
      const languages = SUPPORTED.map((code) => ({ code, name: translate(code, 'language.name') }));
      const data = {
        locale,
        t: translator(locale),
        th: htmlTranslator(locale),
        languages,
        csrfToken: 'TOKEN',
        languageReturnTo: '/',
        languageSwitch: false,
        ...locals,
      };
      renderView(view(name), data, (err, html) => (err ? reject(err) : resolve(html!)));
    });
  const staff = { id: 1, name: 'Ada', email: 'ada@example.com', role: 'technician' };

  it('chooses by folder: the console for admin/, the portal for auth/ (the console’s sign-in too) and portal/', () => {
    expect(defaultLayout(view('admin/companies'))).toBe('console');
    expect(defaultLayout(view('auth/signin'))).toBe('portal');
    expect(defaultLayout(view('portal/home'))).toBe('portal');
    expect(defaultLayout(view('errors/error'))).toBeNull();
    expect(defaultLayout(view('emails/invitation.html'))).toBeNull();
  });

  it('wraps a console page in the console’s navigation, once', async () => {
    const html = await render('admin/company-new', { staff, title: 'New company', values: { name: '', portalName: '' }, errors: {} });
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<a class="brand" href="/admin">Portico console</a>');
    expect(html.match(/<html/g)).toHaveLength(1);
    expect(html).toContain('<title>New company · Portico</title>');
    expect(html.indexOf('<h1>New company</h1>')).toBeGreaterThan(html.indexOf('<main class="container">'));
    expect(html.indexOf('<h1>New company</h1>')).toBeLessThan(html.indexOf('</main>'));
  });

  it('gives the sign-in page the portal’s header and language switch', async () => {
    const html = await render('auth/confirm', { action: '/signin/verify', token: 't', email: 'a@b.example', portalName: 'P', languageSwitch: true }, 'de');
    expect(html).toContain('<html lang="de">');
    expect(html).toContain('<a class="brand" href="/">Portico</a>');
    expect(html).not.toContain('/admin/signout');
    expect(html).toContain('<form method="post" action="/language"');
  });

  it('lets a page set the layout’s locals: the switch of a page returns to that page', async () => {
    const html = await render('portal/profile', { contact: { id: 1 }, values: { firstName: '', lastName: '' }, errors: {}, languageSwitch: true });
    expect(html).toContain('name="returnTo" value="/welcome/profile"');
  });

  it('shows the error page in the console’s frame to a signed-in staff member, and its message once', async () => {
    const inConsole = await render('errors/error', { staff, status: 404, message: 'Not here.' });
    expect(inConsole).toContain('Portico console');
    expect(inConsole.match(/Not here\./g)).toHaveLength(1);
    const inPortal = await render('errors/error', { status: 404, message: 'Not here.' });
    expect(inPortal).not.toContain('Portico console');
    expect(inPortal.match(/Not here\./g)).toHaveLength(1);
  });
});

describe('includes', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'portico-views-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const render = (file: string, locals: Record<string, unknown>) =>
    new Promise<string>((resolve, reject) => renderView(file, locals, (err, html) => (err ? reject(err) : resolve(html!))));

  it('give an include the includer’s locals with its own over them, and keep what it assigns to itself', async () => {
    writeFileSync(path.join(dir, 'part.ejs'), `<% shared = 'changed'; %><%= own %>-<%= shared %>-<%- csrfField() %>`);
    writeFileSync(
      path.join(dir, 'page.ejs'),
      `<%- include('./part', { own: 'mine' }) %>|<%= typeof own %>|<%= shared %>|<%- include('/partials/flashes', { notice: 'Saved' }) %>`,
    );
    const html = await render(path.join(dir, 'page.ejs'), { shared: 'original', csrfToken: 'T' });
    expect(html).toBe(
      'mine-changed-<input type="hidden" name="_csrf" value="T">|undefined|original|\n<p class="flash flash-success" role="status">Saved</p>\n\n\n',
    );
  });

  it('read the file again at every render when the view cache is off (development)', async () => {
    const file = path.join(dir, 'again.ejs');
    writeFileSync(file, 'one');
    expect(await render(file, {})).toBe('one');
    writeFileSync(file, 'two');
    expect(await render(file, {})).toBe('two');
  });

  it('pass a template’s error to the callback, naming the file and line', async () => {
    const file = path.join(dir, 'broken.ejs');
    writeFileSync(file, 'fine\n<%= missing.name %>');
    await expect(render(file, { cache: true })).rejects.toThrow(/broken\.ejs:2/);
  });
});
