// The "Sign-in methods" page (/admin/settings/sign-in): every way in, on one page, each with whether it
// is on, what it needs, who may use it and where it is set up. A method is one entry of METHODS below;
// a new one (passkeys, issue 19) is one more entry.
import { Router } from 'express';
import { contactAudience, staffAudience } from '../auth/audience.js';
import type { JwtLoginService } from '../auth/jwt/service.js';
import type { Config } from '../config.js';
import type { SettingsService } from '../settings/service.js';

export interface SignInMethod {
  name: string;
  enabled: boolean;
  /** What the method needs, each line on its own; `ok` false marks what is missing. */
  needs: Array<{ text: string; ok: boolean }>;
  /** Addresses to copy somewhere else (Microsoft's redirect URIs). */
  copy: Array<{ label: string; value: string }>;
  who: string;
  links: Array<{ href: string; label: string }>;
}

interface MethodContext {
  settings: SettingsService;
  jwtLogin: JwtLoginService;
  config: Pick<Config, 'microsoft' | 'baseUrl' | 'smtpUrl'>;
}

type MethodDefinition = (context: MethodContext) => Promise<SignInMethod>;

/** Needs only the configuration: Microsoft is set up in the environment, not in the console. */
export async function microsoftSignIn({ config }: Pick<MethodContext, 'config'>): Promise<SignInMethod> {
  const ms = config.microsoft;
  const uri = (path: string) => new URL(path, config.baseUrl).toString();
  return {
    name: 'Microsoft (Entra ID)',
    enabled: Boolean(ms),
    needs: [
      {
        text: ms ? `Configured: app ${ms.clientId}, authority ${ms.authority}` : 'Not configured: set MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET',
        ok: Boolean(ms),
      },
      {
        text: ms?.mspTenantId
          ? `Staff tenant: ${ms.mspTenantId}`
          : 'For staff: set MSP_TENANT_ID (the MSP’s own tenant); without it only clients use Microsoft',
        ok: Boolean(ms?.mspTenantId),
      },
      { text: 'Register both redirect URIs (platform "Web") in the Entra app registration', ok: true },
    ],
    copy: [
      { label: 'Redirect URI (clients)', value: uri('/auth/microsoft/callback') },
      { label: 'Redirect URI (staff)', value: uri('/admin/auth/microsoft/callback') },
    ],
    who: ms?.mspTenantId ? 'Clients of companies with a linked Entra tenant; staff of the MSP tenant' : 'Clients of companies with a linked Entra tenant',
    links: [{ href: '/admin/companies', label: 'Companies (Entra tenants)' }],
  };
}

const emailToken: MethodDefinition = async ({ settings, config }) => {
  const [clients, staff] = await Promise.all([contactAudience.emailToken.enabled(settings), staffAudience.emailToken.enabled(settings)]);
  return {
    name: 'Email token (link and code by mail)',
    enabled: clients || staff,
    needs: [
      { text: config.smtpUrl ? 'Outgoing mail (SMTP_URL) is set' : 'No SMTP_URL: mails are written to the server log only', ok: Boolean(config.smtpUrl) },
    ],
    copy: [],
    who: [clients ? 'Clients' : undefined, staff ? 'staff' : undefined].filter(Boolean).join(' and ') || 'Nobody (turned off)',
    links: [
      { href: '/admin/settings/mail-token', label: 'Mail Token (clients)' },
      { href: '/admin/settings/access', label: 'Sign-in settings (staff, policy)' },
    ],
  };
};

const magicLinks: MethodDefinition = async ({ settings }) => {
  const magic = await settings.get('magic_link');
  return {
    name: 'Magic links',
    enabled: magic.enabled,
    needs: [{ text: `A technician generates a one-time link on a contact's page; it works for ${magic.minutes} minutes`, ok: true }],
    copy: [],
    who: 'Clients (made by technicians)',
    links: [
      { href: '/admin/settings/access', label: 'Sign-in settings' },
      { href: '/admin/contacts', label: 'Contacts' },
    ],
  };
};

const loginUrls: MethodDefinition = async ({ jwtLogin }) => {
  const status = await jwtLogin.status();
  return {
    name: 'Login URLs for programs (signed JWT)',
    enabled: status.enabled && status.hasSecret,
    needs: [{ text: status.hasSecret ? 'A signing secret is set' : 'No signing secret yet: create one on the Login URLs page', ok: status.hasSecret }],
    copy: [],
    who: 'Clients (links signed by the MSP’s own programs)',
    links: [{ href: '/admin/settings/login-url', label: 'Login URLs for programs' }],
  };
};

const passkeys: MethodDefinition = async ({ settings, config }) => {
  const value = await settings.get('passkeys');
  const secure = config.baseUrl.protocol === 'https:' || config.baseUrl.hostname === 'localhost';
  return {
    name: 'Passkeys (Face ID, Touch ID, Windows Hello, security keys)',
    enabled: value.clients || value.staff,
    needs: [
      {
        text: secure
          ? `Relying party ${config.baseUrl.hostname} (BASE_URL's host): passkeys made here work only on this host name`
          : 'BASE_URL must be https (browsers offer passkeys only on secure sites)',
        ok: secure,
      },
      {
        text: value.staffPhishingResistant ? 'Staff must sign in with a passkey or Microsoft' : 'Staff may also sign in by email token',
        ok: true,
      },
    ],
    copy: [],
    who: [value.clients ? 'Clients' : undefined, value.staff ? 'staff' : undefined].filter(Boolean).join(' and ') || 'Nobody (turned off)',
    links: [{ href: '/admin/settings/access', label: 'Sign-in settings (passkeys)' }],
  };
};

/** The methods in the order the page lists them. */
export const METHODS: MethodDefinition[] = [microsoftSignIn, passkeys, emailToken, magicLinks, loginUrls];

export function signInMethodsRoutes(context: MethodContext): Router {
  const router = Router();
  router.get('/sign-in', async (_req, res) => {
    const methods = await Promise.all(METHODS.map((method) => method(context)));
    res.render('admin/sign-in-methods', { title: 'Sign-in methods', methods });
  });
  return router;
}
