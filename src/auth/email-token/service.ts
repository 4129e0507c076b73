// Email-token sign-in without HTTP: request (resolve the address, issue a token, queue the mail in one
// transaction), and spend by link or by code. Whether the address is known never changes what the
// caller is told; routes answer before this work runs, so timing says nothing either.
import type { AuditService } from '../../audit/service.js';
import type { Db } from '../../db/index.js';
import { localeOr } from '../../i18n/index.js';
import type { MailComposer } from '../../mail/compose.js';
import type { SettingsService } from '../../settings/service.js';
import type { SignInSubject } from '../audience.js';
import type { LoginTokenStore, TokenCheck, TokenFailure } from '../login-tokens.js';
import { admitted, type EmailTokenAudience } from './audience.js';

export interface RequestContext {
  ip?: string | null;
  userAgent?: string | null;
}

export interface TokenRequest extends RequestContext {
  email: string;
  browserBinding: string;
  /** The language of the page that asked; the mail is written in it (unsupported or absent: English). */
  locale?: string;
}

export type SpendFailure = TokenFailure | 'no_subject' | 'disabled';
export type SpendResult =
  { ok: true; email: string; subjects: SignInSubject[]; newAccountCompanyId?: number } | { ok: false; reason: SpendFailure; burned?: boolean };

export interface EmailTokenService {
  readonly audience: EmailTokenAudience;
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
  settings: SettingsService;
  mail: MailComposer;
  audit: AuditService;
}

export function createEmailTokenService(deps: EmailTokenDeps, audience: EmailTokenAudience): EmailTokenService {
  const { db, tokens, settings, mail, audit } = deps;
  const { purpose } = audience.emailToken;
  const purposes = [purpose];
  const failure = (reason: SpendFailure, method: string, context: RequestContext, burned = false) =>
    audit.record({ action: 'signin.failure', ip: context.ip, userAgent: context.userAgent, detail: { audience: audience.kind, method, reason, burned } });

  async function afterSpend(result: TokenCheck & { burned?: boolean }, method: string, context: RequestContext): Promise<SpendResult> {
    if (!result.ok) {
      await failure(result.reason, method, context, result.burned);
      return result;
    }
    const resolution = await audience.whoMaySignInLocally(result.token.email);
    if (!admitted(resolution)) {
      await failure('no_subject', method, context);
      return { ok: false, reason: 'no_subject' };
    }
    return { ok: true, email: result.token.email, ...resolution };
  }

  // Each entry point checks audience.enabled(): turning the method off stops sign-ins by it at once,
  // including tokens already in mailboxes.
  return {
    audience,

    async request({ email, browserBinding, locale, ip, userAgent }) {
      if (!(await audience.enabled())) return 'ignored';
      const mailSettings = await settings.get('mail_token');
      // Resolved outside the transaction: it may ask the PSA, and no connection is held across that.
      const resolution = await audience.whoMaySignIn(email);
      const requested = { action: 'signin.token_requested', ip, userAgent, detail: { audience: audience.kind, email, issued: admitted(resolution) } };
      if (!admitted(resolution)) {
        await audit.record(requested);
        return 'ignored';
      }
      // Read before the transaction, so it holds its connection only for the writes.
      const portalName = await audience.portalName(resolution);
      // The token, its mail and the audit event commit together: one commit, and the event says
      // "issued" only of a token that exists.
      await db.transaction(async (trx) => {
        const issued = await tokens.issue(trx, { purpose, email, minutes: mailSettings.tokenMinutes, withCode: true, browserBinding, createdIp: ip });
        await mail.queue(trx, {
          to: email,
          template: 'email-token',
          sender: mailSettings,
          portalName,
          data: {
            link: mail.link(`${audience.basePath}/verify`, { token: issued.token }),
            code: tokens.formatCode(issued.code!),
            minutes: mailSettings.tokenMinutes,
            email,
            locale: localeOr(locale),
          },
          discardAfter: issued.expiresAt,
        });
        await audit.record(requested, trx);
      });
      mail.notify();
      return 'sent';
    },

    async checkLink(token) {
      if (!(await audience.enabled())) return { ok: false, reason: 'disabled' };
      const result = await tokens.peek(token, purposes);
      if (!result.ok) return result;
      return { ok: true, email: result.token.email, portalName: await audience.portalName(await audience.whoMaySignInLocally(result.token.email)) };
    },

    async spendLink(token, context) {
      if (!(await audience.enabled())) return { ok: false, reason: 'disabled' };
      return afterSpend(await tokens.consumeLink(token, purposes), 'email_link', context);
    },

    async spendCode({ email, browserBinding, code, ...context }) {
      if (!(await audience.enabled())) return { ok: false, reason: 'disabled' };
      return afterSpend(await tokens.consumeCode({ purpose, email, browserBinding, code }), 'email_code', context);
    },
  };
}
