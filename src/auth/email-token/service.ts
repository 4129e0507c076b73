// Email-token sign-in without HTTP: request (resolve the address, issue a token, queue the mail in one
// transaction), and spend by link or by code. Whether the address is known never changes what the
// caller is told; routes answer before this work runs, so timing says nothing either.
import type { AuditService } from '../../audit/service.js';
import type { Db } from '../../db/index.js';
import type { Contact, DirectoryService } from '../../directory/service.js';
import type { Logger } from '../../lib/logger.js';
import type { Outbox } from '../../mail/outbox.js';
import type { SettingsService } from '../../settings/service.js';
import type { LoginTokenStore, TokenFailure } from '../login-tokens.js';

export interface RequestContext {
  ip?: string | null;
  userAgent?: string | null;
}

export interface TokenRequest extends RequestContext {
  email: string;
  browserBinding: string;
}

export type SpendFailure = TokenFailure | 'no_contact' | 'disabled';
export type SpendResult = { ok: true; email: string; contacts: Contact[] } | { ok: false; reason: SpendFailure; burned?: boolean };

export interface EmailTokenService {
  /** Issues a token and queues its mail when the address may sign in; does nothing otherwise. */
  request(input: TokenRequest): Promise<'sent' | 'ignored'>;
  /** For the confirm page: whether a link is still good, and for which address. Spends nothing. */
  checkLink(token: string): Promise<{ ok: true; email: string; portalName: string } | { ok: false; reason: TokenFailure | 'disabled' }>;
  spendLink(token: string, context: RequestContext): Promise<SpendResult>;
  spendCode(input: { email: string; browserBinding: string; code: string } & RequestContext): Promise<SpendResult>;
}

export interface EmailTokenDeps {
  db: Db;
  tokens: LoginTokenStore;
  directory: DirectoryService;
  settings: SettingsService;
  outbox: Outbox;
  audit: AuditService;
  baseUrl: URL;
  logger: Logger;
}

export function createEmailTokenService(deps: EmailTokenDeps): EmailTokenService {
  const { db, tokens, directory, settings, outbox, audit } = deps;

  // Turning the method off stops sign-ins by it at once, including tokens already in mailboxes.
  const enabled = async () => (await settings.get('mail_token')).enabled;

  async function portalNameFor(contacts: Contact[], fallback: string, database: Db = db): Promise<string> {
    if (contacts.length !== 1) return fallback;
    const company = await database('companies').where({ id: contacts[0]!.company_id }).first('portal_name');
    return company?.portal_name || fallback;
  }

  async function afterSpend(result: Awaited<ReturnType<LoginTokenStore['consumeLink']>> & { burned?: boolean }, method: string, context: RequestContext): Promise<SpendResult> {
    if (!result.ok) {
      await audit.record({ action: 'signin.failure', ip: context.ip, userAgent: context.userAgent, detail: { method, reason: result.reason, burned: result.burned ?? false } });
      return result;
    }
    const contacts = await directory.resolve(result.token.email);
    if (contacts.length === 0) {
      await audit.record({ action: 'signin.failure', ip: context.ip, userAgent: context.userAgent, detail: { method, reason: 'no_contact' } });
      return { ok: false, reason: 'no_contact' };
    }
    return { ok: true, email: result.token.email, contacts };
  }

  return {
    async request({ email, browserBinding, ip, userAgent }) {
      const mailSettings = await settings.get('mail_token');
      if (!mailSettings.enabled) return 'ignored';
      const sent = await db.transaction(async (trx) => {
        const contacts = await directory.resolve(email, trx);
        if (contacts.length === 0) return false;
        const issued = await tokens.issue(trx, { purpose: 'email_token', email, minutes: mailSettings.tokenMinutes, withCode: true, browserBinding, createdIp: ip });
        const link = new URL('/signin/verify', deps.baseUrl);
        link.searchParams.set('token', issued.token);
        await outbox.enqueue(trx, {
          to: email,
          from: { name: mailSettings.fromName, address: mailSettings.fromAddress },
          template: 'email-token',
          data: { portalName: await portalNameFor(contacts, mailSettings.portalName, trx), link: link.toString(), code: tokens.formatCode(issued.code!), minutes: mailSettings.tokenMinutes, email },
          discardAfter: issued.expiresAt,
        });
        return true;
      });
      await audit.record({ action: 'signin.token_requested', ip, userAgent, detail: { method: 'email_token', email, issued: sent } });
      if (sent) outbox.notify();
      return sent ? 'sent' : 'ignored';
    },

    async checkLink(token) {
      if (!(await enabled())) return { ok: false, reason: 'disabled' };
      const result = await tokens.peek(token, ['email_token']);
      if (!result.ok) return result;
      const mailSettings = await settings.get('mail_token');
      const contacts = await directory.resolve(result.token.email);
      return { ok: true, email: result.token.email, portalName: await portalNameFor(contacts, mailSettings.portalName) };
    },

    async spendLink(token, context) {
      if (!(await enabled())) return { ok: false, reason: 'disabled' };
      return afterSpend(await tokens.consumeLink(token, ['email_token']), 'email_link', context);
    },

    async spendCode({ email, browserBinding, code, ...context }) {
      if (!(await enabled())) return { ok: false, reason: 'disabled' };
      return afterSpend(await tokens.consumeCode({ purpose: 'email_token', email, browserBinding, code }), 'email_code', context);
    },
  };
}
