// Login URLs for the MSP's own programs (replaces DeskDirector's "Global Magic Token", a static secret
// anyone who saw it could reuse): the program signs a short-lived JWT (HS256, at most 5 minutes, a jti
// used once) naming the contact by email or id, and sends the person to /auth/jwt?token=….
import { errors as joseErrors, jwtVerify } from 'jose';
import type { Db } from '../../db/index.js';
import type { ContactRepository, ContactRow as Contact } from '../../directory/contacts-repo.js';
import type { Clock } from '../../lib/clock.js';
import { decrypt, encrypt, randomToken } from '../../lib/crypto.js';
import type { SettingsService } from '../../settings/service.js';
import { safeReturnTo } from '../return-to.js';

export const JWT_MAX_LIFETIME_S = 300;

export type JwtFailure = 'disabled' | 'invalid' | 'expired' | 'reused' | 'too_long' | 'no_contact';

export type JwtResult = { ok: true; contact: Contact; returnTo: string | undefined } | { ok: false; reason: JwtFailure };

export interface JwtLoginService {
  verify(token: string): Promise<JwtResult>;
  /** Makes (or replaces) the signing secret; returns it once, for the admin to copy. */
  rotateSecret(staffId: number): Promise<string>;
  setEnabled(enabled: boolean, staffId: number): Promise<void>;
  status(): Promise<{ enabled: boolean; hasSecret: boolean }>;
}

export function createJwtLoginService(deps: { db: Db; contactRepo: ContactRepository; settings: SettingsService; clock: Clock; key: Buffer }): JwtLoginService {
  const { db, contactRepo, settings, clock, key } = deps;

  async function contactFor(claims: Record<string, unknown>): Promise<Contact | undefined> {
    if (typeof claims.contact_id === 'number' || (typeof claims.contact_id === 'string' && /^\d{1,9}$/.test(claims.contact_id))) {
      const id = Number(claims.contact_id);
      return Number.isSafeInteger(id) && id > 0 && id <= 2_147_483_647 ? contactRepo.getUsable(id) : undefined;
    }
    if (typeof claims.email === 'string') {
      // One address, several contacts: the token must then name the contact by id.
      const found = await contactRepo.usableByEmail(claims.email);
      return found.length === 1 ? found[0] : undefined;
    }
    return undefined;
  }

  return {
    async verify(token) {
      const config = await settings.get('jwt_login');
      if (!config.enabled || !config.sealedSecret) return { ok: false, reason: 'disabled' };
      // The secret string itself is the HMAC key, as JWT libraries take a string secret.
      const secret = new TextEncoder().encode(decrypt(key, config.sealedSecret));
      let claims: Record<string, unknown>;
      try {
        ({ payload: claims } = await jwtVerify(token, secret, {
          algorithms: ['HS256'],
          requiredClaims: ['exp', 'iat', 'jti'],
          currentDate: clock.now(),
          clockTolerance: 30,
        }));
      } catch (error) {
        return { ok: false, reason: error instanceof joseErrors.JWTExpired ? 'expired' : 'invalid' };
      }
      const { exp, iat, jti } = claims as { exp: number; iat: number; jti: unknown };
      if (typeof jti !== 'string' || jti.length > 200) return { ok: false, reason: 'invalid' };
      if (exp - iat > JWT_MAX_LIFETIME_S || exp - clock.now().getTime() / 1000 > JWT_MAX_LIFETIME_S + 30) return { ok: false, reason: 'too_long' };
      // Single use: the first to record the jti wins; the row lives until the token would expire anyway.
      const recorded = await db('jwt_uses')
        .insert({ jti, expires_at: new Date(exp * 1000) })
        .onConflict('jti')
        .ignore()
        .returning('jti');
      if (!recorded.length) return { ok: false, reason: 'reused' };
      await db('jwt_uses')
        .where('expires_at', '<', new Date(clock.now().getTime() - 60_000))
        .delete();
      const contact = await contactFor(claims);
      if (!contact) return { ok: false, reason: 'no_contact' };
      return { ok: true, contact, returnTo: safeReturnTo(claims.returnTo) };
    },

    async rotateSecret(staffId) {
      const secret = randomToken(32);
      const current = await settings.get('jwt_login');
      await settings.set('jwt_login', { ...current, sealedSecret: encrypt(key, secret) }, staffId);
      return secret;
    },

    async setEnabled(enabled, staffId) {
      const current = await settings.get('jwt_login');
      await settings.set('jwt_login', { ...current, enabled }, staffId);
    },

    async status() {
      const current = await settings.get('jwt_login');
      return { enabled: current.enabled, hasSecret: Boolean(current.sealedSecret) };
    },
  };
}
