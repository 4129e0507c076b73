// res.locals.brand for every page: the MSP's brand first (so even an error before the session is read,
// e.g. an unreadable form, shows the portal's name, never Portico's), then, for a signed-in client, their
// company's own brand.
import type { NextFunction, Request, Response } from 'express';
import type { SignInService } from '../auth/sign-in.js';
import type { Logger } from '../lib/logger.js';
import { companyBrand, type Brand, type BrandService } from './service.js';

// Used when the database cannot be read: the page still names the portal, in today's look.
const UNREADABLE: Brand = {
  name: 'Client Portal',
  logo: null,
  accentColor: null,
  themeUrl: null,
  support: { phone: '', address: '', url: '' },
  hasSupport: false,
  poweredBy: false,
};

export function siteBrand(deps: { brand: BrandService; logger: Logger }) {
  return async (_req: Request, res: Response, next: NextFunction) => {
    try {
      res.locals.brand = await deps.brand.site();
    } catch (error) {
      deps.logger.warn({ err: (error as Error).message }, 'brand unreadable; the page is shown without it');
      res.locals.brand = UNREADABLE;
    }
    next();
  };
}

// The signed-in contact is read through current(), which brings its company's look along (an ended
// session shows no company's brand); the portal's route guard and page get the same answer without
// reading it again.
export function contactBrand(deps: { signIn: SignInService }) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (req.session?.signedIn?.kind === 'contact') {
      const contact = await deps.signIn.current(req, 'contact');
      if (contact)
        res.locals.brand = companyBrand(res.locals.brand, {
          portal_name: contact.company_portal_name,
          logo_sha256: contact.company_logo_sha256,
          logo_type: contact.company_logo_type,
          accent_color: contact.company_accent_color,
        });
    }
    next();
  };
}
