// "Staff must sign in with a phishing-resistant method" (the passkeys setting staffPhishingResistant):
// a console session started any other way (email token, the CLI's link) may only add a passkey. Every
// other console page sends it to the Security page, which is outside this check.
import type { NextFunction, Request, Response } from 'express';
import { isPhishingResistant } from '../auth/passkey/phishing-resistant.js';
import { ForbiddenError } from '../lib/errors.js';
import type { SettingsService } from '../settings/service.js';

export const STAFF_SECURITY_PATH = '/admin/account/security';

/** Whether this staff session falls short of the rule: it is on, and the sign-in was neither passkey nor Microsoft. */
export function weakStaffSession(settings: SettingsService) {
  return async (req: Request) => (await settings.get('passkeys')).staffPhishingResistant && !isPhishingResistant(req.session.signedIn?.method);
}

export function requirePhishingResistant(settings: SettingsService) {
  const weak = weakStaffSession(settings);
  return async (req: Request, res: Response, next: NextFunction) => {
    if (!(await weak(req))) return next();
    if (req.method === 'GET') return res.redirect(303, `${STAFF_SECURITY_PATH}?required=1`);
    next(new ForbiddenError('Sign in with a passkey or Microsoft first.'));
  };
}
