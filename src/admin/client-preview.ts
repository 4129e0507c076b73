// "Preview as a client" (/admin/preview): the sign-in page and the portal home as a company's contact
// would see them (its brand, the methods offered), for a technician. The real views are rendered with
// a sample contact into sandboxed frames: nobody is signed in, no session or token is made, and the
// frames' forms cannot be sent (the sandbox allows no forms and no script; it keeps the frame's origin so
// that the portal's own stylesheet and logo load, which is safe without scripts).
import { Router, type Request, type Response } from 'express';
import { contactAudience } from '../auth/audience.js';
import type { BrandService } from '../brand/service.js';
import type { CompanyService } from '../directory/companies.js';
import { isLocale, translator, type Locale, type Translate } from '../i18n/index.js';
import type { SettingsService } from '../settings/service.js';

const FRAME_CSP = "default-src 'none'; img-src 'self' data:; style-src 'self'; frame-ancestors 'self'; sandbox allow-same-origin";

export function clientPreviewRoutes(deps: { brand: BrandService; companies: CompanyService; settings: SettingsService; microsoftOffered: boolean }): Router {
  const router = Router();

  const companyParam = (req: Request) => {
    const id = Number(req.query.company);
    return Number.isInteger(id) && id > 0 && id < 2_147_483_647 ? id : undefined;
  };
  const localeParam = (req: Request): Locale => (isLocale(req.query.lang) ? req.query.lang : 'en');

  router.get('/', async (req, res) => {
    const companyId = companyParam(req);
    const locale = localeParam(req);
    const [list, company] = await Promise.all([
      deps.companies.list({ page: 1, pageSize: 200 }),
      companyId ? deps.companies.get(companyId).catch(() => undefined) : Promise.resolve(undefined),
    ]);
    const query = `?company=${company?.id ?? ''}&lang=${locale}`;
    res.render('admin/client-preview', {
      title: 'Preview as a client',
      companies: list.items,
      company,
      locale,
      signinSrc: `/admin/preview/frame/signin${query}`,
      homeSrc: company ? `/admin/preview/frame/home${query}` : undefined,
    });
  });

  // A frame's page: the portal's own view and layout, the company's brand, the language asked for.
  function renderFrame(res: Response, view: string, locale: Locale, locals: (t: Translate) => Record<string, unknown>) {
    res.set({ 'Content-Security-Policy': FRAME_CSP, 'X-Frame-Options': 'SAMEORIGIN', 'Cache-Control': 'no-store' });
    const t = translator(locale);
    res.render(view, { locale, t, csrfToken: '', languageSwitch: false, staff: undefined, ...locals(t) });
  }

  router.get('/frame/signin', async (req, res) => {
    const locale = localeParam(req);
    const emailTokenEnabled = await contactAudience.emailToken.enabled(deps.settings);
    const passkeyEnabled = (await deps.settings.get('passkeys')).clients;
    // Before sign-in nobody's company is known: the sign-in page shows the MSP's brand to everyone.
    const brand = await deps.brand.site();
    renderFrame(res, 'auth/signin', locale, (t) => {
      const heading = t('signin.title');
      return {
        title: heading,
        heading,
        basePath: contactAudience.basePath,
        emailTokenEnabled,
        // The frame runs no script: the passkey button, which the page's script shows where passkeys work, is shown as is.
        passkeyEnabled,
        preview: true,
        microsoftHref: deps.microsoftOffered ? '/auth/microsoft' : undefined,
        returnTo: undefined,
        email: '',
        errors: {},
        message: undefined,
        microsoftNotice: undefined,
        languageReturnTo: '/signin',
        brand,
      };
    });
  });

  router.get('/frame/home', async (req, res) => {
    const companyId = companyParam(req);
    const locale = localeParam(req);
    const company = companyId ? await deps.companies.get(companyId) : undefined;
    const brand = await deps.brand.forCompany(company?.id);
    const domain = company?.domains[0]?.domain ?? 'example.com';
    const contact = {
      id: 0,
      first_name: 'Pat',
      last_name: 'Example',
      email: `pat.example@${domain}`,
      company_id: company?.id,
      company_name: company?.name ?? '',
    };
    renderFrame(res, 'portal/home', locale, (t) => ({ title: t('home.title'), contact, others: [], brand, offerPasskey: false }));
  });

  return router;
}
