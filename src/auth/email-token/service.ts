// Email-token sign-in without HTTP: request (resolve the address, issue a token, queue the mail in one
// statement), and spend by link or by code. Whether the address is known never changes what the
// caller is told; routes answer before this work runs, and the work is the same for both (see request),
// so timing says nothing either.
import { randomInt } from 'node:crypto';
import type { AuditService } from '../../audit/service.js';
import type { Db } from '../../db/index.js';
import { insertWhen } from '../../db/insert-when.js';
import { prepared } from '../../db/prepared.js';
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
  /** The token's lifetime, read when the page answered (it quotes it); absent: the setting now. */
  minutes?: number;
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
  /** Wake the mail worker after a random pause in [min, max) ms instead of at once (see request). */
  mailWakeDelayMs?: { min: number; max: number };
}

// How long after a request the mail worker is woken on the embedded database: at random in [min, max)
// ms. Long enough to be past the requests that follow the answer, short beside a mail's way to the inbox.
export const EMBEDDED_MAIL_WAKE_DELAY_MS = { min: 200, max: 1_200 };

// On the embedded database the request's own work (issue the token, queue the mail, in one statement)
// also starts after a random pause in [0, max) ms: it runs on the one event loop and the one connection
// the next request needs, and writing a real token and mail costs a little more than the same statement
// writing none; started at a random moment, that difference falls on no predictable request.
export const EMBEDDED_WORK_DELAY_MAX_MS = 300;

export function createEmailTokenService(deps: EmailTokenDeps, audience: EmailTokenAudience): EmailTokenService {
  const { db, tokens, settings, mail, audit, mailWakeDelayMs: delay } = deps;
  const wakeMailWorker = () => {
    if (!delay) return mail.notify();
    // unref: a pending wake-up never keeps a stopping process alive (the worker's poll sends the mail anyway).
    setTimeout(() => mail.notify(), randomInt(delay.min, delay.max)).unref();
  };
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

    async request({ email, browserBinding, minutes: askedMinutes, locale, ip, userAgent }) {
      if (delay) await new Promise((resolve) => setTimeout(resolve, randomInt(0, EMBEDDED_WORK_DELAY_MAX_MS)));
      if (!(await audience.enabled())) return 'ignored';
      const mailSettings = await settings.get('mail_token');
      // The lifetime the page quoted, for the real token and the decoy alike.
      const minutes = askedMinutes ?? mailSettings.tokenMinutes;
      // Resolved before the writes: it may ask the PSA, and no connection is held across that.
      const resolution = await audience.whoMaySignIn(email);
      const issue = admitted(resolution);
      const requested = { action: 'signin.token_requested', ip, userAgent, detail: { audience: audience.kind, email, issued: issue } };
      // Read before the writes (the mail is sealed before its statement is sent).
      const companyId = audience.brandCompanyId(resolution);
      const look = await mail.look(companyId);
      const portalName = await audience.portalName(resolution, look.brand.name);
      // Known or not, the same work (issue 15): this runs in the serving process, on the embedded
      // database even on its event loop, so less work for an unknown address would make the next
      // request faster and tell the two apart. The token and its mail (rendered, composed into the
      // finished message and encrypted: all the CPU a mail costs) are always made, and written with the
      // audit event as one statement (the token's revocation of earlier ones and its insert, the mail's
      // insert: data-modifying CTEs of the audit insert), the same statement for both: the token's and
      // the mail's writes are bound to `issue`, so for an address nobody may receive they write nothing
      // (no row is left behind) and the audit event alone is written (it says "issued" only of a token
      // that exists). One round trip instead of the seven of a transaction with a savepoint (issue 18).
      const token = tokens.issueStatements(db, { purpose, email, minutes, withCode: true, browserBinding, createdIp: ip }, issue);
      const sealed = await mail.seal({
        to: email,
        template: 'email-token',
        sender: mailSettings,
        portalName,
        companyId,
        look,
        data: {
          link: mail.link(`${audience.basePath}/verify`, { token: token.issued.token }),
          code: tokens.formatCode(token.issued.code!),
          minutes,
          email,
          locale: localeOr(locale),
        },
        discardAfter: token.issued.expiresAt,
      });
      await audit
        .recordStatement(requested)
        .with('revoked', token.revoke)
        .with('token', token.insert)
        .with('mail', insertWhen(db, 'outbox', sealed, issue))
        .options(prepared(`email_token_request_${audience.kind}`));
      // Sending is the one step only a real mail has, and it is small: the worker claims the row (an
      // unknown address's wake-up claims nothing, one query either way), decrypts it and writes the
      // finished bytes to a pooled SMTP connection, then marks it sent. With WEB_CONCURRENCY that
      // happens in the supervisor, not in this process; on PostgreSQL it never holds a connection the
      // next request waits for. So on PostgreSQL the worker is woken at once, for unknown addresses
      // too: a mail a few milliseconds after the request (issue 18), not after a random second. On
      // the embedded database the worker's queries run on the one connection and the one event loop
      // the next request needs, so there it is still woken after a random pause, and the sending lands
      // at no predictable point after the answer (test/integration/timing-oracle.test.ts, both ways).
      wakeMailWorker();
      return issue ? 'sent' : 'ignored';
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
