// Admin settings: Mail Token (as DeskDirector's System > Mail Token) and console access.
import { Router } from 'express';
import { z } from 'zod';
import { flash, type FlashKind } from '../http/flash.js';
import { handleForm } from '../http/forms.js';
import { parseInput } from '../http/validate.js';
import type { JwtLoginService } from '../auth/jwt/service.js';
import type { MailOutcome, OutboxAdmin } from '../mail/outbox-admin.js';
import type { SettingsAdmin } from '../settings/admin.js';
import {
  LEVEL2_SESSION,
  magicLinkSettingsSchema,
  mailTokenSettingsSchema,
  sessionPolicyFields,
  signInPolicySchema,
  termsSettingsSchema,
  withinLevel2Unless,
} from '../settings/schemas.js';
import type { SettingsService } from '../settings/service.js';
import { actorOf, staffOf } from './guard.js';
import { keptValues } from './kept-form.js';
import { checkbox } from './schemas.js';

const mailTokenForm = mailTokenSettingsSchema.extend({ enabled: checkbox });
const accessForm = z.object({
  staffEmailToken: checkbox,
  magicLinksEnabled: checkbox,
  magicLinkMinutes: magicLinkSettingsSchema.shape.minutes,
  signInPolicy: signInPolicySchema.shape.mode.default('domain'),
  passkeysClients: checkbox,
  passkeysStaff: checkbox,
  staffPhishingResistant: checkbox,
});
const ACCESS_CHECKBOXES = ['staffEmailToken', 'magicLinksEnabled', 'passkeysClients', 'passkeysStaff', 'staffPhishingResistant'] as const;
const checkboxesOf = (body: Record<string, unknown>) => Object.fromEntries(ACCESS_CHECKBOXES.map((name) => [name, Boolean(body[name])]));

// How long the test mail's button waits for the first try (an SMTP server that never answers takes 2 × 10 s).
const TEST_MAIL_WAIT_MS = 25_000;

/** What the test mail did, said plainly: delivered to SMTP, only logged, or failed and why. */
function testMailResult(to: string, outcome: MailOutcome): { kind: FlashKind; text: string } {
  switch (outcome.kind) {
    case 'sent':
      return {
        kind: 'success',
        text: `The test mail to ${to} was sent: the SMTP server (SMTP_URL) accepted it. If it does not arrive, look in the spam folder.`,
      };
    case 'logged':
      return {
        kind: 'error',
        text:
          `The test mail to ${to} was NOT sent: no SMTP_URL is set, so it was only written to the server log. ` +
          'Set SMTP_URL and restart Portico to deliver mail.',
      };
    case 'failed':
      return {
        kind: 'error',
        text: `The test mail to ${to} could not be sent: ${outcome.error}${outcome.willRetry ? ' (it will be retried; see the Outbox)' : ''}`,
      };
    case 'discarded':
      return { kind: 'error', text: `The test mail to ${to} was discarded before it could be sent; see the Outbox.` };
    case 'waiting':
      return { kind: 'info', text: `The test mail to ${to} has not been tried yet; see the Outbox page for its status.` };
  }
}

export function settingsRoutes(deps: { settings: SettingsService; settingsAdmin: SettingsAdmin; outboxAdmin: OutboxAdmin; jwtLogin: JwtLoginService }): Router {
  const router = Router();
  const { settings, settingsAdmin } = deps;

  // Each page's GET shows a change kept while its author signed in again (kept-form.ts) in its form.
  router.get('/mail-token', async (_req, res) => {
    const values = { ...(await settings.get('mail_token')), ...keptValues(res, '/admin/settings/mail-token', ['enabled']) };
    res.render('admin/mail-token', { title: 'Mail Token', values, errors: {} });
  });

  router.post('/mail-token', async (req, res) => {
    await handleForm(
      res,
      async () => {
        const value = parseInput(mailTokenForm, req.body);
        await settingsAdmin.saveMailToken(value, actorOf(req, res));
        flash(req, 'success', `Mail Token settings saved. Passwordless sign-in is ${value.enabled ? 'enabled' : 'disabled'}.`);
        res.redirect(303, '/admin/settings/mail-token');
      },
      (errors, message) =>
        res.render('admin/mail-token', { title: 'Mail Token', values: { ...req.body, enabled: Boolean(req.body.enabled) }, errors, message }),
    );
  });

  router.post('/mail-token/test', async (req, res) => {
    const me = staffOf(res);
    const id = await settingsAdmin.sendTestMail(me.email);
    const result = testMailResult(me.email, await deps.outboxAdmin.outcome(id, TEST_MAIL_WAIT_MS));
    flash(req, result.kind, result.text);
    res.redirect(303, '/admin/settings/mail-token');
  });

  router.get('/access', async (_req, res) => {
    const [staffSignIn, magic, policy, passkeys] = await Promise.all([
      settings.get('staff_signin'),
      settings.get('magic_link'),
      settings.get('signin_policy'),
      settings.get('passkeys'),
    ]);
    const saved = {
      staffEmailToken: staffSignIn.emailTokenEnabled,
      magicLinksEnabled: magic.enabled,
      magicLinkMinutes: magic.minutes,
      signInPolicy: policy.mode,
      passkeysClients: passkeys.clients,
      passkeysStaff: passkeys.staff,
      staffPhishingResistant: passkeys.staffPhishingResistant,
    };
    res.render('admin/access', {
      title: 'Sign-in settings',
      values: { ...saved, ...keptValues(res, '/admin/settings/access', [...ACCESS_CHECKBOXES]) },
      errors: {},
    });
  });

  router.post('/access', async (req, res) => {
    await handleForm(
      res,
      async () => {
        const value = parseInput(accessForm, req.body);
        await settingsAdmin.saveAccess(value, { ...actorOf(req, res), signInMethod: req.session.signedIn?.method });
        flash(req, 'success', 'Sign-in settings saved.');
        res.redirect(303, '/admin/settings/access');
      },
      (errors, message) =>
        res.render('admin/access', {
          title: 'Sign-in settings',
          values: { ...req.body, ...checkboxesOf(req.body) },
          errors,
          message,
        }),
    );
  });

  // Terms shown at first sign-in, and how long clients stay signed in.
  const portalForm = z
    .object({
      termsText: termsSettingsSchema.shape.text.default(''),
      termsTextDe: termsSettingsSchema.shape.text.default(''),
      termsVersion: termsSettingsSchema.shape.version.default(''),
    })
    .merge(sessionPolicyFields)
    .extend({ beyondLevel2: checkbox })
    .superRefine(withinLevel2Unless);
  const portalValues = async () => {
    const [terms, policy] = await Promise.all([settings.get('terms'), settings.get('session_policy')]);
    return { termsText: terms.text, termsTextDe: terms.translations.de, termsVersion: terms.version, ...policy };
  };

  router.get('/portal', async (_req, res) => {
    const values = { ...(await portalValues()), ...keptValues(res, '/admin/settings/portal', ['beyondLevel2']) };
    res.render('admin/portal-settings', { title: 'Portal settings', values, errors: {}, level2: LEVEL2_SESSION });
  });

  router.post('/portal', async (req, res) => {
    await handleForm(
      res,
      async () => {
        await settingsAdmin.savePortal(parseInput(portalForm, req.body), actorOf(req, res));
        flash(req, 'success', 'Portal settings saved.');
        res.redirect(303, '/admin/settings/portal');
      },
      (errors, message) => res.render('admin/portal-settings', { title: 'Portal settings', values: req.body, errors, message, level2: LEVEL2_SESSION }),
    );
  });

  // Login URLs for the MSP's own programs: a signing secret shown once, and an on/off switch.
  router.get('/login-url', async (_req, res) => {
    res.render('admin/login-url', { title: 'Login URLs for programs', status: await deps.jwtLogin.status(), secret: undefined });
  });

  router.post('/login-url', async (req, res) => {
    const enabled = checkbox.parse(req.body.enabled);
    await settingsAdmin.setLoginUrlEnabled(enabled, actorOf(req, res));
    flash(req, 'success', `Login URLs are ${enabled ? 'enabled' : 'disabled'}.`);
    res.redirect(303, '/admin/settings/login-url');
  });

  router.post('/login-url/secret', async (req, res) => {
    const secret = await settingsAdmin.rotateLoginUrlSecret(actorOf(req, res));
    res.set('Cache-Control', 'no-store');
    res.render('admin/login-url', { title: 'Login URLs for programs', status: await deps.jwtLogin.status(), secret });
  });

  return router;
}
