// "Staff must sign in with a phishing-resistant method" (the passkeys setting staffPhishingResistant):
// a console session started any other way (email token, the CLI's link) may only add a passkey. Every
// other console page sends it to the Security page, which is outside this check.
import type { NextFunction, Request, Response } from 'express';
import { ForbiddenError } from '../lib/errors.js';
import type { SettingsService } from '../settings/service.js';

export const PHISHING_RESISTANT_METHODS: readonly string[] = ['passkey', 'microsoft'];
export const STAFF_SECURITY_PATH = '/admin/account/security';

export function requirePhishingResistant(settings: SettingsService) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const { staffPhishingResistant } = await settings.get('passkeys');
    if (!staffPhishingResistant || PHISHING_RESISTANT_METHODS.includes(req.session.signedIn?.method ?? '')) return next();
    if (req.method === 'GET') return res.redirect(303, `${STAFF_SECURITY_PATH}?required=1`);
    next(new ForbiddenError('Sign in with a passkey or Microsoft first.'));
  };
}
