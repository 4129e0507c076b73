// The portal's brand (issue 17), through the console's pages as rendered: the brand form (multipart,
// CSRF in the body), the logo's checks and how it is served, the portal name shared with the Mail Token
// page, client pages without "Portico", a company's own brand on its contacts' home page and in their
// sign-in mail (logo attached inline), mail previews, the sign-in methods page and the client preview.
import { createHash } from 'node:crypto';
import type { ParsedMail } from 'mailparser';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { clientAgent, staffAgent } from '../helpers/console.js';
import { createCompany, createContact } from '../helpers/factories.js';
import { formsTo, submit, type RenderedForm } from '../helpers/forms.js';
import { linkFrom, requestToken } from '../helpers/http.js';
import { cleanSvg, jpegImage, pngImage } from '../helpers/images.js';

let t: TestApp;
type Agent = ReturnType<TestApp['agent']>;
let admin: Agent;
let tech: Agent;

beforeAll(async () => {
  t = await startTestApp({ env: { SIGNIN_RATE_LIMIT_PER_IP: '10000/15m', SIGNIN_RATE_LIMIT_PER_ADDRESS: '10000/15m' } });
  admin = (await staffAgent(t, 'admin', 'Ada Admin')).agent;
  tech = (await staffAgent(t, 'technician', 'Tom Tech')).agent;
}, 120_000); // the embedded database's first open is slow on a busy machine
afterAll(async () => t.close());

type Upload = { buffer: Buffer; filename: string; contentType: string };

/** Sends a multipart form as the browser would: every rendered field (changes applied) and the file. */
function submitMultipart(agent: Agent, form: RenderedForm, changes: Record<string, string> = {}, logo?: Upload) {
  let request = agent.post(form.action);
  for (const [name, value] of Object.entries({ ...form.fields, ...changes })) request = request.field(name, value);
  return logo ? request.attach('logo', logo.buffer, { filename: logo.filename, contentType: logo.contentType }) : request;
}

async function brandForm(agent: Agent = admin): Promise<RenderedForm> {
  const page = await agent.get('/admin/settings/brand');
  expect(page.status).toBe(200);
  const [form] = formsTo(page.text, '/admin/settings/brand');
  return form!;
}

async function saveBrand(changes: Record<string, string>, logo?: Upload) {
  return submitMultipart(admin, await brandForm(), changes, logo);
}

const png = (width = 40, height = 40): Upload => ({ buffer: pngImage(width, height), filename: 'logo.png', contentType: 'image/png' });
const signinHtml = async (agent: Agent = t.agent()) => (await agent.get('/signin')).text;
const logoSrc = (html: string) => /<img class="brand-logo" src="([^"]+)"/.exec(html)?.[1];

describe('the brand settings page', () => {
  it('renders a multipart form with the fields portalName, logo (file) and accentColor, admins only', async () => {
    const page = await admin.get('/admin/settings/brand');
    expect(page.text).toContain('enctype="multipart/form-data"');
    expect(page.text).toContain('name="portalName"');
    expect(page.text).toMatch(/name="logo" type="file"/);
    expect(page.text).toContain('name="accentColor"');
    expect(page.text).toContain('name="_csrf"');
    expect((await tech.get('/admin/settings/brand')).status).toBe(403);
  });

  it('refuses the multipart form without its CSRF token', async () => {
    const form = await brandForm();
    const { _csrf, ...withoutToken } = form.fields;
    expect(_csrf).toBeTruthy();
    const refused = await submitMultipart(admin, { ...form, fields: withoutToken }, { portalName: 'Sneaky' }, png());
    expect(refused.status).toBe(403);
    expect((await brandForm()).fields.portalName).not.toBe('Sneaky');
  });

  it('saves name, PNG logo and colour; /signin shows them in the title and header, the logo from its own origin', async () => {
    const logo = png();
    const saved = await saveBrand({ portalName: 'Northwind Help', accentColor: '#0b5fff' }, logo);
    expect(saved.status).toBe(303);
    const html = await signinHtml();
    expect(html).toMatch(/<title>[^<]*Northwind Help<\/title>/);
    expect(html).toMatch(/<a class="brand" href="\/">.*Northwind Help.*<\/a>/);
    const sha = createHash('sha256').update(logo.buffer).digest('hex');
    expect(logoSrc(html)).toBe(`/brand/logo/${sha}.png`);
    expect(html).toContain(`<link rel="icon" href="/brand/logo/${sha}.png" type="image/png">`);
    const served = await t.agent().get(`/brand/logo/${sha}.png`).buffer(true);
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    expect(served.headers['cache-control']).toContain('immutable');
    expect(Buffer.compare(served.body as Buffer, logo.buffer)).toBe(0);
    // The accent colour comes as a stylesheet of the portal's own (the CSP allows no inline style).
    expect(html).toContain('<link rel="stylesheet" href="/brand/theme/0b5fff.css">');
    const theme = await t.agent().get('/brand/theme/0b5fff.css');
    expect(theme.headers['content-type']).toContain('text/css');
    expect(theme.text).toContain('--primary:#0b5fff');
    expect((await t.agent().get('/brand/logo/' + '0'.repeat(64) + '.png')).status).toBe(404);
  });

  it('shows and saves the same portal name as the Mail Token page', async () => {
    await saveBrand({ portalName: 'Shared Name One' });
    const mailToken = await admin.get('/admin/settings/mail-token');
    const [mtForm] = formsTo(mailToken.text, '/admin/settings/mail-token');
    expect(mtForm!.fields.portalName).toBe('Shared Name One');
    expect((await submit(admin, mtForm!, { portalName: 'Shared Name Two' })).status).toBe(303);
    expect((await brandForm()).fields.portalName).toBe('Shared Name Two');
    expect(await signinHtml()).toContain('Shared Name Two');
    await saveBrand({ portalName: 'Northwind Help' });
  });

  it('accepts a JPEG and a clean SVG; the SVG is served with a CSP that allows no script', async () => {
    expect((await saveBrand({}, { buffer: jpegImage(), filename: 'logo.jpeg', contentType: 'image/jpeg' })).status).toBe(303);
    expect(logoSrc(await signinHtml())).toMatch(/\.jpg$/);
    const svg = cleanSvg();
    expect((await saveBrand({}, { buffer: svg, filename: 'logo.svg', contentType: 'image/svg+xml' })).status).toBe(303);
    const src = logoSrc(await signinHtml())!;
    expect(src).toMatch(/\.svg$/);
    const served = await t.agent().get(src).buffer(true);
    expect(served.headers['content-type']).toContain('image/svg+xml');
    expect(served.headers['content-security-policy']).toContain("default-src 'none'; style-src 'unsafe-inline'");
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    // Mail programs do not show SVG: a mail then carries the name alone, no attachment, no remote image.
    const contact = await createContact(t.services.db, { email: `svg-${Date.now()}@contoso.example` });
    const before = t.smtp.messages.length;
    await requestToken(t.agent(), contact.email);
    await t.settle();
    const mail = await t.smtp.waitForMail(contact.email, { after: before });
    expect(mail.attachments).toHaveLength(0);
    expect(String(mail.html)).not.toContain('<img');
    expect(mail.subject).toContain('Northwind Help');
  });

  it.each([
    ['a script', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 'script'],
    ['an event handler', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>', 'event handlers'],
    ['a foreignObject', '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>hi</p></foreignObject></svg>', 'foreignObject'],
    ['an external href', '<svg xmlns="http://www.w3.org/2000/svg"><use href="https://evil.example/x.svg#a"/></svg>', 'outside the file'],
  ])('refuses an SVG with %s, saying why, and keeps the logo it had', async (_what, svg, reason) => {
    const before = logoSrc(await signinHtml());
    const refused = await saveBrand({}, { buffer: Buffer.from(svg), filename: 'logo.svg', contentType: 'image/svg+xml' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain(reason);
    expect(refused.text).toContain('id="logo-error"');
    expect(logoSrc(await signinHtml())).toBe(before);
  });

  it('refuses a logo over 512 KB and a file whose bytes are no image, whatever its name says', async () => {
    const big = Buffer.concat([pngImage(2, 2).subarray(0, 8), Buffer.alloc(600 * 1024, 1)]);
    const tooBig = await saveBrand({}, { buffer: big, filename: 'logo.png', contentType: 'image/png' });
    expect(tooBig.status).toBe(400);
    expect(tooBig.text).toContain('at most 512 KB');
    const fake = await saveBrand({}, { buffer: Buffer.from('MZ this is an executable'), filename: 'logo.png', contentType: 'image/png' });
    expect(fake.status).toBe(400);
    expect(fake.text).toContain('not a PNG, JPEG or SVG image');
  });

  it('refuses an accent colour white text is unreadable on, with the contrast, and a malformed one', async () => {
    const yellow = await saveBrand({ accentColor: '#ffff00' });
    expect(yellow.status).toBe(400);
    expect(yellow.text).toMatch(/contrast of 1\.07:1; buttons need at least 4\.5:1/);
    expect(yellow.text).toContain('value="#ffff00"'); // the form keeps what was typed
    const malformed = await saveBrand({ accentColor: 'blue' });
    expect(malformed.status).toBe(400);
    expect(malformed.text).toContain('#rrggbb');
    expect(await signinHtml()).toContain('/brand/theme/0b5fff.css');
  });

  it('removes the logo on request, and keeps it when the form is saved without a file', async () => {
    await saveBrand({}, png(30, 30));
    expect(logoSrc(await signinHtml())).toMatch(/\.png$/);
    await saveBrand({});
    expect(logoSrc(await signinHtml())).toMatch(/\.png$/);
    expect((await saveBrand({ removeLogo: 'on' })).status).toBe(303);
    expect(logoSrc(await signinHtml())).toBeUndefined();
    expect(await signinHtml()).not.toContain('rel="icon"');
    await saveBrand({}, png());
  });

  it('shows the support line and, when asked, the powered-by line in the footer', async () => {
    await saveBrand({ supportPhone: '+49 30 1234567', supportAddress: 'Hauptstr. 1, Berlin', supportUrl: 'https://help.northwind.example' });
    const html = await signinHtml();
    expect(html).toContain('+49 30 1234567');
    expect(html).toContain('Hauptstr. 1, Berlin');
    expect(html).toContain('href="https://help.northwind.example/"');
    expect(html).not.toContain('Powered by');
    expect((await saveBrand({ supportUrl: 'javascript:alert(1)' })).text).toContain('starting with https://');
    await saveBrand({ poweredBy: 'on' });
    expect(await signinHtml()).toContain('Powered by Portico');
    expect((await t.agent().get('/signin').set('Accept-Language', 'de')).text).toContain('Bereitgestellt mit Portico');
    // Unticked, as a browser sends it: the box's field is left out.
    const form = await brandForm();
    expect(form.fields.poweredBy).toBe('on');
    delete form.fields.poweredBy;
    await submitMultipart(admin, form);
    expect(await signinHtml()).not.toContain('Powered by');
  });
});

describe('client pages once a portal name is set', () => {
  it('never say Portico: sign-in, code, error pages, home, sessions, in English and German', async () => {
    const { agent } = await clientAgent(t);
    const anonymous = t.agent();
    const pages = [
      (await anonymous.get('/signin')).text,
      (await anonymous.get('/signin').set('Accept-Language', 'de')).text,
      (await anonymous.get('/no-such-page')).text,
      (await anonymous.get('/brand/logo/not-a-logo.png')).text,
      (await anonymous.post('/signin/email').type('form').send({ email: 'x@y.example' })).text, // CSRF refused: error page
      (await anonymous.get('/signin/verify?token=nonsense')).text,
      (await agent.get('/')).text,
      (await agent.get('/sessions')).text,
      (await agent.get('/no-such-page')).text,
    ];
    for (const html of pages) {
      expect(html).toContain('Northwind Help');
      // The stylesheet's and script's file names are not shown to anyone; the rest of the page is.
      expect(html).not.toMatch(/portico/i);
    }
  });
});

describe('a company with its own brand', () => {
  let companyId: number;
  let email: string;

  beforeAll(async () => {
    const company = await createCompany(t.services.db, { name: 'Fabrikam Ltd', domains: ['fabrikam.example'] });
    companyId = company.id;
    email = (await createContact(t.services.db, { companyId, email: `pat-${Date.now()}@fabrikam.example`, firstName: 'Pat' })).email;
  });

  it('is set on the company page: its portal name in the company form, logo and colour in the brand block', async () => {
    const page = await admin.get(`/admin/companies/${companyId}`);
    expect(page.status).toBe(200);
    const [companyForm] = formsTo(page.text, `/admin/companies/${companyId}`);
    expect((await submit(admin, companyForm!, { portalName: 'Fabrikam Service Desk' })).status).toBe(303);
    const [brandBlock] = formsTo(page.text, `/admin/companies/${companyId}/brand`);
    const logo = { buffer: pngImage(48, 24, '#aa1100'), filename: 'fabrikam.png', contentType: 'image/png' };
    expect((await submitMultipart(admin, brandBlock!, { accentColor: '#aa1100' }, logo)).status).toBe(303);
    const again = await admin.get(`/admin/companies/${companyId}`);
    expect(again.text).toContain('value="#aa1100"');
    expect(again.text).toContain(`/brand/logo/${createHash('sha256').update(logo.buffer).digest('hex')}.png`);
    const low = await submitMultipart(admin, formsTo(again.text, `/admin/companies/${companyId}/brand`)[0]!, { accentColor: '#eeeeee' });
    expect(low.status).toBe(303);
    expect((await admin.get(`/admin/companies/${companyId}`)).text).toContain('Choose a darker colour');
  });

  it('brands the sign-in mail: its name, its logo as an inline cid: attachment, its colour, a readable text part', async () => {
    const before = t.smtp.messages.length;
    const agent = t.agent();
    await requestToken(agent, email);
    await t.settle();
    const mail: ParsedMail = await t.smtp.waitForMail(email, { after: before });
    expect(mail.subject).toContain('Fabrikam Service Desk');
    expect(mail.text).toMatch(/^Fabrikam Service Desk\n/);
    expect(mail.text).toContain('+49 30 1234567');
    expect(mail.text).not.toMatch(/<[a-z]/i);
    const html = String(mail.html);
    expect(html).toContain('Fabrikam Service Desk');
    expect(html).toContain('background:#aa1100');
    // The logo is an inline part of the mail (Content-ID, disposition inline) that the HTML refers to by
    // cid: (mailparser resolves cid: references into data: addresses), never a remote image.
    const [attachment] = mail.attachments;
    expect(attachment).toBeDefined();
    expect(attachment!.contentType).toBe('image/png');
    expect(attachment!.contentDisposition).toBe('inline');
    expect(attachment!.cid).toBe('brand-logo@portal');
    expect(Buffer.compare(attachment!.content, pngImage(48, 24, '#aa1100'))).toBe(0);
    expect(html).toContain(`<img src="data:image/png;base64,${pngImage(48, 24, '#aa1100').toString('base64')}"`);
    expect(html).not.toMatch(/src="https?:/);
    // Signing in with it: the home page shows the company's brand.
    const link = linkFrom(mail);
    const confirm = await agent.get(link.pathname + link.search);
    expect(confirm.text).toContain('Fabrikam Service Desk');
  });

  it('shows its name, logo and colour on its contacts’ home page after sign-in; the MSP’s brand before', async () => {
    expect(await signinHtml()).not.toContain('Fabrikam Service Desk');
    const { agent } = await clientAgent(t, companyId);
    const home = await agent.get('/');
    expect(home.status).toBe(200);
    expect(home.text).toMatch(/<title>[^<]*Fabrikam Service Desk<\/title>/);
    expect(home.text).toMatch(/<span class="brand-name">Fabrikam Service Desk<\/span>/);
    expect(logoSrc(home.text)).toBe(
      `/brand/logo/${createHash('sha256')
        .update(pngImage(48, 24, '#aa1100'))
        .digest('hex')}.png`,
    );
    expect(home.text).toContain('/brand/theme/aa1100.css');
    expect(home.text).not.toContain('Northwind Help');
  });

  it('brands the magic-link mail and the invitation with the company as well', async () => {
    const contact = await createContact(t.services.db, { companyId, email: `inv-${Date.now()}@fabrikam.example` });
    const before = t.smtp.messages.length;
    await t.services.magicLinks.sendToContact(contact.id, 1, null);
    await t.settle();
    const mail = await t.smtp.waitForMail(contact.email, { after: before });
    expect(mail.subject).toContain('Fabrikam Service Desk');
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]!.cid).toBe('brand-logo@portal');
    expect(String(mail.html)).toContain('<img src="data:image/png;base64,');
  });
});

describe('mail previews', () => {
  it('shows every mail in English and German with the brand, and sends nothing', async () => {
    await t.settle();
    const outboxBefore = Number((await t.services.db('outbox').count({ n: '*' }))[0]!.n);
    const smtpBefore = t.smtp.messages.length;
    const page = await admin.get('/admin/settings/brand/previews');
    expect(page.status).toBe(200);
    for (const template of ['email-token', 'magic-link', 'invitation'])
      for (const locale of ['en', 'de']) expect(page.text).toContain(`src="/admin/settings/brand/previews/${template}/${locale}"`);
    expect(page.text).toContain('Your sign-in link for Northwind Help');
    expect(page.text).toContain('Ihr Anmeldelink für Northwind Help');
    expect(page.text).toMatch(/<iframe[^>]* sandbox/);
    const de = await admin.get('/admin/settings/brand/previews/email-token/de');
    expect(de.headers['content-security-policy']).toContain('sandbox');
    expect(de.text).toContain('Northwind Help');
    expect(de.text).toContain('Oder geben Sie');
    expect(de.text).toMatch(/<img src="\/brand\/logo\/[0-9a-f]{64}\.png"/);
    const company = await admin.get(
      `/admin/settings/brand/previews/invitation/en?company=${(await t.services.db('companies').where({ name: 'Fabrikam Ltd' }).first()).id}`,
    );
    expect(company.text).toContain('Fabrikam Service Desk');
    expect((await admin.get('/admin/settings/brand/previews/nonsense/en')).status).toBe(404);
    await t.settle();
    expect(Number((await t.services.db('outbox').count({ n: '*' }))[0]!.n)).toBe(outboxBefore);
    expect(t.smtp.messages.length).toBe(smtpBefore);
  });
});

describe('the sign-in methods page', () => {
  it('lists each method with its badge, needs, who may use it and links; redirect URIs from BASE_URL', async () => {
    const page = await admin.get('/admin/settings/sign-in');
    expect(page.status).toBe(200);
    const section = (name: string) => page.text.slice(page.text.indexOf(name), page.text.indexOf('</article>', page.text.indexOf(name)));
    expect(section('Microsoft (Entra ID)')).toContain('badge-off">Disabled');
    expect(section('Microsoft (Entra ID)')).toContain('Not configured');
    expect(section('Microsoft (Entra ID)')).toContain('value="http://portal.test.example/auth/microsoft/callback"');
    expect(section('Microsoft (Entra ID)')).toContain('value="http://portal.test.example/admin/auth/microsoft/callback"');
    expect(section('Email token')).toContain('badge-on">Enabled');
    expect(section('Email token')).toContain('href="/admin/settings/mail-token"');
    expect(section('Magic links')).toContain('badge-on">Enabled');
    expect(section('Login URLs for programs')).toContain('badge-off">Disabled');
    expect(section('Login URLs for programs')).toContain('href="/admin/settings/login-url"');
    expect(page.text).toContain('Who may use it');
    expect((await tech.get('/admin/settings/sign-in')).status).toBe(403);
  });
});

describe('preview as a client', () => {
  it('renders the sign-in page and a company’s home page in sandboxed frames, signing nobody in', async () => {
    const company = await t.services.db('companies').where({ name: 'Fabrikam Ltd' }).first();
    const sessionsBefore = Number((await t.services.db('auth_sessions').count({ n: '*' }))[0]!.n);
    const page = await tech.get(`/admin/preview?company=${company.id}&lang=de`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`src="/admin/preview/frame/signin?company=${company.id}&amp;lang=de"`);
    expect(page.text).toMatch(/<iframe[^>]* sandbox/);
    const signin = await tech.get(`/admin/preview/frame/signin?company=${company.id}&lang=de`);
    expect(signin.headers['content-security-policy']).toContain('sandbox');
    expect(signin.text).toContain('Northwind Help'); // before sign-in: the MSP's brand
    expect(signin.text).toContain('lang="de"');
    expect(signin.text).toContain('name="email"');
    expect(signin.text).not.toMatch(/name="_csrf" value="[^"]+"/);
    const home = await tech.get(`/admin/preview/frame/home?company=${company.id}&lang=en`);
    expect(home.text).toContain('Fabrikam Service Desk');
    expect(home.text).toContain('Pat');
    expect(home.headers['set-cookie'] ?? []).toEqual([]);
    expect(Number((await t.services.db('auth_sessions').count({ n: '*' }))[0]!.n)).toBe(sessionsBefore);
  });
});
