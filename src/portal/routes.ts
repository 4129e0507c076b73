// Client pages behind sign-in.
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { SignInService } from '../auth/sign-in.js';
import type { DirectoryService } from '../directory/service.js';
import { PORTAL_COOKIE } from '../http/cookies.js';

export function portalRoutes(deps: { signIn: SignInService; directory: DirectoryService }): Router {
  const router = Router();
  const { signIn, directory } = deps;

  // Loads the signed-in contact for every portal page; an ended or revoked session counts as none.
  async function requireContact(req: Request, res: Response, next: NextFunction) {
    const contact = await signIn.current(req, 'contact');
    if (!contact) {
      const returnTo = req.method === 'GET' && req.originalUrl !== '/' ? `?returnTo=${encodeURIComponent(req.originalUrl)}` : '';
      return res.redirect(303, `/signin${returnTo}`);
    }
    res.locals.contact = contact;
    next();
  }

  router.get('/', requireContact, async (req, res) => {
    const contact = await directory.getContact(res.locals.contact.id);
    // Other accounts of the same address this browser proved: offered for switching.
    const others = req.session.accounts ? (await Promise.all(req.session.accounts.contactIds.filter((id) => id !== contact!.id).map((id) => directory.getContact(id)))).filter((c) => c && c.status !== 'disabled') : [];
    res.render('portal/home', { title: 'Home', contact, others });
  });

  router.post('/signout', async (req, res) => {
    await signIn.signOut(req);
    res.clearCookie(PORTAL_COOKIE, { path: '/' });
    res.redirect(303, '/signin?signedOut=1');
  });

  return router;
}
