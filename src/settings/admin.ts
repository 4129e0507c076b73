// Changes a technician makes on the console's settings pages. Each change is written together with
// its audit event in one transaction; the routes only parse the form and show the result.
import type { AuditService } from '../audit/service.js';
import { isPhishingResistant } from '../auth/passkey/phishing-resistant.js';
import type { JwtLoginService } from '../auth/jwt/service.js';
import type { Db } from '../db/index.js';
import { ValidationError } from '../lib/errors.js';
import type { MailComposer } from '../mail/compose.js';
import { staffSignInSettingsSchema, type MailTokenSettings, type SessionPolicy } from './schemas.js';
import type { SettingsService } from './service.js';

type Actor = { staffId: number; ip?: string | null };

export interface AccessSettingsInput {
  staffEmailToken: boolean;
  magicLinksEnabled: boolean;
  magicLinkMinutes: number;
  signInPolicy: 'domain' | 'invited_only';
  /** The passkey switches; left out, each keeps its value. */
  passkeysClients?: boolean;
  passkeysStaff?: boolean;
  staffPhishingResistant?: boolean;
}

// Requiring a phishing-resistant method of staff is allowed only to an admin who signed in with one
// now: it proves their own passkey (or Microsoft) works, so the change cannot lock them out.

export interface PortalSettingsInput extends SessionPolicy {
  termsText: string;
  /** The German terms; empty: German clients read the English ones. */
  termsTextDe?: string;
  termsVersion: string;
}

export interface SettingsAdmin {
  saveMailToken(value: MailTokenSettings, actor: Actor): Promise<void>;
  /** Queues a test mail from the Mail Token sender to the staff member's own address; resolves with its outbox id. */
  sendTestMail(to: string): Promise<number>;
  /** actor.signInMethod: how the admin signed in (see isPhishingResistant). */
  saveAccess(value: AccessSettingsInput, actor: Actor & { signInMethod?: string }): Promise<void>;
  /** Terms with a text need a version: a new version is what asks everyone again. */
  savePortal(value: PortalSettingsInput, actor: Actor): Promise<void>;
  setLoginUrlEnabled(enabled: boolean, actor: Actor): Promise<void>;
  /** Returns the new signing secret, to be shown once. */
  rotateLoginUrlSecret(actor: Actor): Promise<string>;
}

export function createSettingsAdmin(deps: {
  db: Db;
  settings: SettingsService;
  audit: AuditService;
  mail: MailComposer;
  jwtLogin: JwtLoginService;
}): SettingsAdmin {
  const { db, settings, audit, mail, jwtLogin } = deps;
  const record = (action: string, actor: Actor, detail: Record<string, unknown> | undefined, trx?: Db) =>
    audit.record({ action, actor: { type: 'staff', id: actor.staffId }, ip: actor.ip, detail }, trx);

  return {
    saveMailToken: (value, actor) =>
      db.transaction(async (trx) => {
        await settings.set('mail_token', value, actor.staffId, trx);
        await record('settings.mail_token_changed', actor, value, trx);
      }),

    async sendTestMail(to) {
      const sender = await settings.get('mail_token');
      return mail.send({ to, template: 'test-mail', sender, data: { fromName: sender.fromName, fromAddress: sender.fromAddress } });
    },

    saveAccess: async (value, actor) => {
      const current = await settings.get('passkeys');
      const passkeys = {
        clients: value.passkeysClients ?? current.clients,
        staff: value.passkeysStaff ?? current.staff,
        staffPhishingResistant: value.staffPhishingResistant ?? current.staffPhishingResistant,
      };
      if (passkeys.staffPhishingResistant) {
        const field = 'staffPhishingResistant';
        if (!passkeys.staff)
          throw new ValidationError('Staff need passkeys for this', { [field]: 'Turn on passkeys for staff first: they are how staff meet this rule' });
        if (!current.staffPhishingResistant && !isPhishingResistant(actor.signInMethod))
          throw new ValidationError('Sign in with your passkey first', {
            [field]: 'Sign in with your own passkey (or Microsoft) first, so this rule cannot lock you out; add one on your Security page',
          });
      }
      await db.transaction(async (trx) => {
        await settings.set('staff_signin', staffSignInSettingsSchema.parse({ emailTokenEnabled: value.staffEmailToken }), actor.staffId, trx);
        await settings.set('magic_link', { enabled: value.magicLinksEnabled, minutes: value.magicLinkMinutes }, actor.staffId, trx);
        await settings.set('signin_policy', { mode: value.signInPolicy }, actor.staffId, trx);
        await settings.set('passkeys', passkeys, actor.staffId, trx);
        const { signInMethod: _method, ...who } = actor;
        await record('settings.access_changed', who, { ...value }, trx);
      });
    },

    async savePortal(value, actor) {
      if (value.termsText.trim() && !value.termsVersion)
        throw new ValidationError('Give the terms a version', { termsVersion: 'Give the terms a version (e.g. 2026-11); a new version asks everyone again' });
      // English is what every other language falls back to, so a translation alone would be terms nobody is asked to accept.
      const termsTextDe = value.termsTextDe ?? '';
      if (!value.termsText.trim() && termsTextDe.trim())
        throw new ValidationError('Write the English terms too', {
          termsText: 'Write the English terms too: they are shown in every language without its own text',
        });
      await db.transaction(async (trx) => {
        const terms = { text: value.termsText, version: value.termsVersion, translations: { de: termsTextDe } };
        await settings.set('terms', terms, actor.staffId, trx);
        await settings.set(
          'session_policy',
          {
            mode: value.mode,
            rememberDays: value.rememberDays,
            idleMinutes: value.idleMinutes,
            absoluteHours: value.absoluteHours,
            beyondLevel2: value.beyondLevel2,
          },
          actor.staffId,
          trx,
        );
        await record('settings.portal_changed', actor, { termsVersion: value.termsVersion, session: value.mode, beyondLevel2: value.beyondLevel2 }, trx);
      });
    },

    // The JWT login service writes its setting without a transaction handle (src/auth owns it), so
    // these two record their event just after the change, as before.
    async setLoginUrlEnabled(enabled, actor) {
      await jwtLogin.setEnabled(enabled, actor.staffId);
      await record('settings.login_url_changed', actor, { enabled });
    },

    async rotateLoginUrlSecret(actor) {
      const secret = await jwtLogin.rotateSecret(actor.staffId);
      await record('settings.login_url_secret_rotated', actor, undefined);
      return secret;
    },
  };
}
