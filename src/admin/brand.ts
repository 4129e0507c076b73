// The brand pages of the console (issue 17): the MSP's brand (/admin/settings/brand, admins), a preview
// of every mail with it, and a company's own logo and colour (a block on the company's page).
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { BrandService } from '../brand/service.js';
import { flash } from '../http/flash.js';
import { handleForm } from '../http/forms.js';
import { SUPPORTED, type Locale } from '../i18n/index.js';
import { NotFoundError, ValidationError } from '../lib/errors.js';
import { renderMail, type TemplateName } from '../mail/templates.js';
import { actorOf, idParam } from './guard.js';
import { checkbox } from './schemas.js';

const text = z.string().max(1000).optional().default('');
const siteBrandForm = z.object({
  portalName: text,
  accentColor: text,
  supportPhone: text,
  supportAddress: text,
  supportUrl: text,
  poweredBy: checkbox,
  removeLogo: checkbox,
});
const companyBrandForm = z.object({ accentColor: text, removeLogo: checkbox });

// Sample data for each mail: what a real one would hold, with placeholders in place of secrets.
const PREVIEW_TEMPLATES: TemplateName[] = ['email-token', 'magic-link', 'invitation', 'test-mail'];
function sampleData(template: TemplateName, locale: Locale, baseUrl: string) {
  const email = 'pat.example@contoso.example';
  const link = new URL('/signin/verify?token=preview', baseUrl).toString();
  switch (template) {
    case 'email-token':
      return { link, code: 'ABCD-2345', minutes: 10, email, locale };
    case 'magic-link':
      return { link: new URL('/signin/magic?token=preview', baseUrl).toString(), minutes: 10, email, locale };
    case 'invitation':
      return { portalUrl: new URL(`/signin?email=${encodeURIComponent(email)}`, baseUrl).toString(), email, firstName: 'Pat', locale };
    default:
      return { fromName: 'Client Portal', fromAddress: 'portal@msp.example' };
  }
}

const uploaded = (req: Request) => (req.file && req.file.fieldname === 'logo' ? req.file.buffer : undefined);

export function brandSettingsRoutes(deps: { brand: BrandService; baseUrl: URL }): Router {
  const router = Router();
  const { brand } = deps;

  async function renderPage(res: Response, locals: Record<string, unknown> = {}) {
    const current = await brand.settings();
    const site = await brand.site();
    res.render('admin/brand', {
      title: 'Brand',
      logo: site.logo,
      values: {
        portalName: current.portalName,
        accentColor: current.accentColor ?? '',
        supportPhone: current.supportPhone,
        supportAddress: current.supportAddress,
        supportUrl: current.supportUrl,
        poweredBy: current.poweredBy,
      },
      errors: {},
      ...locals,
    });
  }

  router.get('/brand', async (_req, res) => {
    await renderPage(res);
  });

  router.post('/brand', async (req, res) => {
    const form = siteBrandForm.parse(req.body ?? {});
    await handleForm(
      res,
      async () => {
        await brand.saveSite(form, uploaded(req), actorOf(req, res));
        flash(req, 'success', 'Brand saved. Client pages and mails use it from now on.');
        res.redirect(303, '/admin/settings/brand');
      },
      (errors, message) => renderPage(res, { values: form, errors, message }),
    );
  });

  // Each mail as it would be sent, with the brand (a company's, given ?company=), in each language; nothing is sent.
  router.get('/brand/previews', async (req, res) => {
    const company = req.query.company ? Number(req.query.company) : undefined;
    const query = company ? `?company=${company}` : '';
    const previews = [];
    for (const template of PREVIEW_TEMPLATES) {
      for (const locale of template === 'test-mail' ? (['en'] as Locale[]) : SUPPORTED) {
        const rendered = await renderPreview(template, locale, company);
        previews.push({
          template,
          locale,
          subject: rendered.subject,
          text: rendered.text,
          src: `/admin/settings/brand/previews/${template}/${locale}${query}`,
        });
      }
    }
    res.render('admin/mail-previews', { title: 'Mail previews', previews });
  });

  router.get('/brand/previews/:template/:locale', async (req, res) => {
    const template = req.params.template as TemplateName;
    const locale = req.params.locale as Locale;
    if (!PREVIEW_TEMPLATES.includes(template) || !SUPPORTED.includes(locale)) throw new NotFoundError();
    const rendered = await renderPreview(template, locale, req.query.company ? Number(req.query.company) : undefined);
    // Shown in a sandboxed frame of the previews page: the mail's own inline styles, our images, no script and
    // no forms (allow-same-origin only, so the portal's logo loads; nothing can run to make use of it).
    res.set({
      'Content-Security-Policy': "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox allow-same-origin",
      'X-Frame-Options': 'SAMEORIGIN',
      'Cache-Control': 'no-store',
    });
    res.type('html').send(rendered.html);
  });

  async function renderPreview(template: TemplateName, locale: Locale, companyId: number | undefined) {
    const id = companyId && Number.isInteger(companyId) && companyId > 0 ? companyId : undefined;
    const [{ brand: mailBrand }, pageBrand] = await Promise.all([brand.forMail(id), brand.forCompany(id)]);
    // The sent mail shows the logo as an attachment (cid:); the preview shows the same image from the portal.
    const logoSrc = mailBrand.logoSrc && pageBrand.logo ? pageBrand.logo.url : null;
    const data = { ...sampleData(template, locale, deps.baseUrl.toString()), portalName: pageBrand.name, brand: { ...mailBrand, logoSrc } };
    return renderMail(template, data as never);
  }

  return router;
}

/** The company page's brand block: its current logo and colour for the page, and the form's action. */
export function companyBrandRoutes(deps: { brand: BrandService }): Router {
  const router = Router();
  const { brand } = deps;

  // Read for the company page (companies.ts renders it; the block is views/admin/_company-brand.ejs).
  router.get('/:id', async (req, res, next) => {
    if (/^\d+$/.test(req.params.id)) res.locals.companyBrand = { ...(await brand.companyOverrides(idParam(req))), errors: {} };
    next();
  });

  router.post('/:id/brand', async (req, res) => {
    const id = idParam(req);
    const form = companyBrandForm.parse(req.body ?? {});
    try {
      await brand.saveCompany(id, form, uploaded(req), actorOf(req, res));
      flash(req, 'success', "The company's brand is saved.");
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      flash(req, 'error', error.publicMessage);
    }
    res.redirect(303, `/admin/companies/${id}#brand`);
  });

  return router;
}
