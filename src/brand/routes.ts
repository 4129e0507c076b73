// What the brand serves from the portal's own origin, to anyone (the sign-in page shows it):
//   /brand/logo/<sha256>.<ext>   an uploaded logo; the address names the content, so it is cached for good
//   /brand/theme/<rrggbb>.css    the accent colour as a CSS custom property. The CSP allows no inline
//                                styles, so the colour comes as a stylesheet of our own; the colour is the
//                                whole input, so nothing is looked up and any instance answers the same.
import { Router } from 'express';
import { NotFoundError } from '../lib/errors.js';
import { LOGO_EXTENSIONS, type LogoType } from './logo.js';
import type { BrandService } from './service.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';

export function brandRoutes(deps: { brand: BrandService }): Router {
  const router = Router();

  router.get('/brand/logo/:file', async (req, res) => {
    const match = /^([0-9a-f]{64})\.(png|jpg|svg)$/.exec(req.params.file);
    const asset = match ? await deps.brand.asset(match[1]!) : undefined;
    if (!match || !asset || LOGO_EXTENSIONS[asset.contentType as LogoType] !== match[2]) throw new NotFoundError();
    res.set({
      'Content-Type': asset.contentType,
      'Cache-Control': IMMUTABLE,
      ETag: `"${match[1]}"`,
      'X-Content-Type-Options': 'nosniff',
      'Cross-Origin-Resource-Policy': 'same-origin',
    });
    // An SVG opened on its own is a document: it may draw and style itself, and do nothing else.
    if (asset.contentType === 'image/svg+xml') res.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox");
    if (req.get('if-none-match') === `"${match[1]}"`) return res.status(304).end();
    res.send(asset.bytes);
  });

  router.get('/brand/theme/:file', (req, res) => {
    const match = /^([0-9a-f]{6})\.css$/.exec(req.params.file);
    if (!match) throw new NotFoundError();
    res.set({ 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': IMMUTABLE, 'X-Content-Type-Options': 'nosniff' });
    res.send(`:root{--primary:#${match[1]};--brand-accent:#${match[1]}}\n`);
  });

  return router;
}
