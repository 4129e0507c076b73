// What the client reads and how the pages are marked up: the terms in the client's language (falling
// back to English) as safe Markdown, edited on the console's portal settings page; dates in the zone the
// browser reported; the skip link on both sides; the console's navigation, the same for every role,
// with the current page marked.
import { startTestApp, type TestApp } from '../helpers/app.js';
import { clientAgent, staffAgent } from '../helpers/console.js';
import { formsTo, submit } from '../helpers/forms.js';

let t: TestApp;
type Agent = ReturnType<TestApp['agent']>;

beforeAll(async () => {
  t = await startTestApp({ env: { SIGNIN_RATE_LIMIT_PER_IP: '10000/15m' } });
});
afterAll(async () => t.close());

/** Saves the portal settings form as the page renders it, with the terms fields changed. */
async function saveTerms(fields: { termsText: string; termsTextDe: string; termsVersion: string }) {
  const { agent } = await staffAgent(t, 'admin');
  const page = await agent.get('/admin/settings/portal');
  const [form] = formsTo(page.text, '/admin/settings/portal');
  expect(Object.keys(form!.fields)).toEqual(expect.arrayContaining(['termsText', 'termsTextDe', 'termsVersion']));
  return submit(agent, form!, fields);
}

async function clientIn(language: 'en' | 'de') {
  const client = await clientAgent(t);
  client.agent.set('Accept-Language', language);
  return client;
}

describe('terms per language', () => {
  afterEach(async () => {
    await t.services.settings.set('terms', { text: '', version: '', translations: { de: '' } }, null);
  });

  it('shows German clients the German terms and English clients the English ones, as Markdown', async () => {
    const saved = await saveTerms({
      termsText: '# Terms\n\nRead the [privacy policy](https://msp.example/privacy).',
      termsTextDe: '# Bedingungen\n\nLesen Sie die **[Datenschutzerklärung](https://msp.example/datenschutz)**.\n\n<script>alert(1)</script>',
      termsVersion: '2026-12',
    });
    expect(saved.status).toBe(303);
    // The settings page shows both texts again, as saved.
    const { agent: admin } = await staffAgent(t, 'admin');
    const settingsPage = await admin.get('/admin/settings/portal');
    expect(formsTo(settingsPage.text, '/admin/settings/portal')[0]!.fields.termsTextDe).toContain('# Bedingungen');

    const german = await clientIn('de');
    expect((await german.agent.get('/')).headers.location).toBe('/welcome/terms');
    const de = await german.agent.get('/welcome/terms');
    expect(de.text).toContain('<div class="terms"><h1>Bedingungen</h1>');
    expect(de.text).toContain('<strong><a href="https://msp.example/datenschutz" rel="noopener noreferrer">Datenschutzerklärung</a></strong>');
    expect(de.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(de.text).not.toContain('<script>alert(1)');
    expect(de.text).not.toContain('privacy policy');
    expect(de.text).not.toContain('nur auf Englisch');

    const english = await clientIn('en');
    const en = await english.agent.get('/welcome/terms');
    expect(en.text).toContain('<a href="https://msp.example/privacy" rel="noopener noreferrer">privacy policy</a>');
    expect(en.text).not.toContain('Datenschutzerklärung');

    // Accepting in German counts for the one version both texts share.
    const [accept] = formsTo(de.text, '/welcome/terms');
    expect((await submit(german.agent, accept!, { accept: 'on' })).headers.location).toBe('/');
    expect((await german.agent.get('/')).status).toBe(200);
  });

  it('falls back to the English terms, marked as English, when there are no German ones', async () => {
    expect((await saveTerms({ termsText: 'Be *nice* to the help desk.', termsTextDe: '', termsVersion: 'v1' })).status).toBe(303);
    const german = await clientIn('de');
    const page = await german.agent.get('/welcome/terms');
    expect(page.text).toContain('<div class="terms" lang="en"><p>Be <em>nice</em> to the help desk.</p>');
    expect(page.text).toContain('Diese Nutzungsbedingungen gibt es nur auf Englisch.');
  });

  it('refuses German terms without English ones, which nobody would be asked to accept', async () => {
    const refused = await saveTerms({ termsText: '', termsTextDe: 'Nur Deutsch.', termsVersion: 'v1' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Write the English terms too');
    expect(refused.text).toContain('Nur Deutsch.'); // what was typed stays in the form
    expect((await t.services.settings.get('terms')).translations.de).toBe('');
  });
});

describe('dates in the browser’s time zone', () => {
  const withZone = (agent: Agent, zone: string) =>
    (agent as unknown as { jar: { setCookies(cookies: string[], host: string, path: string): void } }).jar.setCookies([`tz=${zone}; Path=/`], '127.0.0.1', '/');

  it('writes the sessions page in the zone the browser reported, in German', async () => {
    const { agent } = await clientIn('de');
    withZone(agent, 'Europe/Berlin');
    const page = await agent.get('/sessions');
    expect(page.text).toContain('data-time-zone="Europe/Berlin"');
    expect(page.text).toMatch(/<time datetime="[^"]+Z">\d\d\.\d\d\.\d{4}, \d\d:\d\d MES?Z<\/time>/);
  });

  it('writes UTC, saying so, for a zone it does not know', async () => {
    const { agent } = await clientIn('en');
    withZone(agent, 'Mars%2FOlympus');
    const page = await agent.get('/sessions');
    expect(page.text).toContain('data-time-zone="UTC"');
    expect(page.text).not.toContain('Mars');
    expect(page.text).toMatch(/<time datetime="[^"]+Z">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/time>/);
  });
});

describe('skip link and console navigation', () => {
  it('puts a skip link to the main content first on portal and console pages', async () => {
    const signin = await t.agent().get('/signin');
    expect(signin.text).toMatch(/<body[^>]*>\s*<a class="skip-link" href="#main">Skip to content<\/a>/);
    expect(signin.text).toContain('<main class="container" id="main" tabindex="-1">');
    const german = await t.agent().get('/signin').set('Accept-Language', 'de');
    expect(german.text).toContain('<a class="skip-link" href="#main">Zum Inhalt springen</a>');
    const { agent } = await staffAgent(t, 'technician');
    const console = await agent.get('/admin/companies');
    expect(console.text).toMatch(/<body[^>]*>\s*<a class="skip-link" href="#main">Skip to content<\/a>/);
    expect(console.text).toContain('<main class="container" id="main" tabindex="-1">');
  });

  const navOf = (html: string) => /<nav class="nav" aria-label="Console">([\s\S]*?)<\/nav>/.exec(html)![1]!;
  const linksOf = (html: string) => [...navOf(html).matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]);
  const currentOf = (html: string) => [...navOf(html).matchAll(/<a href="([^"]+)" aria-current="page"/g)].map((m) => m[1]);
  const shared = ['/admin', '/admin/companies', '/admin/contacts', '/admin/psa', '/admin/outbox', '/admin/audit', '/admin/preview'];

  it('marks the current page, sub-pages included, and only it', async () => {
    const { agent } = await staffAgent(t, 'admin');
    expect(currentOf((await agent.get('/admin')).text)).toEqual(['/admin']);
    expect(currentOf((await agent.get('/admin/contacts')).text)).toEqual(['/admin/contacts']);
    expect(currentOf((await agent.get('/admin/companies/new')).text)).toEqual(['/admin/companies']);
    expect(currentOf((await agent.get('/admin/settings/portal')).text)).toEqual(['/admin/settings/portal']);
  });

  it('gives technicians and admins the same navigation in the same order, the admin-only group after it', async () => {
    const { agent: admin } = await staffAgent(t, 'admin');
    const { agent: technician } = await staffAgent(t, 'technician');
    const adminLinks = linksOf((await admin.get('/admin/outbox')).text);
    const technicianPage = (await technician.get('/admin/outbox')).text;
    expect(linksOf(technicianPage)).toEqual(shared);
    expect(adminLinks.slice(0, shared.length)).toEqual(shared);
    expect(adminLinks.slice(shared.length)).toEqual([
      '/admin/settings/mail-token',
      '/admin/settings/access',
      '/admin/settings/portal',
      '/admin/settings/brand',
      '/admin/settings/sign-in',
      '/admin/settings/login-url',
      '/admin/staff',
      '/admin/api-keys',
    ]);
    expect(navOf((await admin.get('/admin')).text)).toContain('<ul class="nav-group" aria-label="Admin">');
    expect(navOf(technicianPage)).not.toContain('aria-label="Admin"');
    expect(currentOf(technicianPage)).toEqual(['/admin/outbox']);
  });
});
