// Why a sign-in did not happen → the catalogue key of what the person is told. The sign-in page shows
// the Microsoft and JWT ones from its query string (?microsoft=…, ?jwt=…).
import { msg, type MessageKey } from '../i18n/index.js';
import type { SessionEndReason } from '../http/session-data.js';
import type { SpendFailure } from './email-token/service.js';
import type { JwtFailure } from './jwt/service.js';
import type { MicrosoftFailure } from './microsoft/oidc.js';

/** Why a link or code did not work. */
export const FAILURE_MESSAGES: Record<SpendFailure, MessageKey> = {
  invalid: msg('signin.failure.invalid'),
  expired: msg('signin.failure.expired'),
  used: msg('signin.failure.used'),
  revoked: msg('signin.failure.revoked'),
  no_subject: msg('signin.failure.no_subject'),
  disabled: msg('signin.failure.disabled'),
};

/** Why the sign-in a browser held has ended, as its sign-in page tells it ({minutes}, {hours}: the limits). */
export const SESSION_ENDED_MESSAGES: Record<SessionEndReason, MessageKey> = {
  ended_elsewhere: msg('signin.ended.ended_elsewhere'),
  signed_out_everywhere: msg('signin.ended.signed_out_everywhere'),
  disabled: msg('signin.ended.disabled'),
  idle: msg('signin.ended.idle'),
  absolute: msg('signin.ended.absolute'),
  gone: msg('signin.ended.gone'),
};

export const MICROSOFT_MESSAGES: Record<MicrosoftFailure, MessageKey> = {
  unavailable: msg('microsoft.unavailable'),
  cancelled: msg('microsoft.cancelled'),
  provider_error: msg('microsoft.provider_error'),
  bad_state: msg('microsoft.bad_state'),
  invalid_token: msg('microsoft.invalid_token'),
  unknown_tenant: msg('microsoft.unknown_tenant'),
  unverified_email: msg('microsoft.unverified_email'),
  no_account: msg('microsoft.no_account'),
};

export const JWT_MESSAGES: Record<JwtFailure, MessageKey> = {
  disabled: msg('jwt.disabled'),
  invalid: msg('jwt.invalid'),
  expired: msg('jwt.expired'),
  too_long: msg('jwt.too_long'),
  reused: msg('jwt.reused'),
  no_contact: msg('jwt.no_contact'),
};

/** The key for a reason taken from a query string: only the map's own entries count (not "constructor"). */
export const messageFor = (map: Readonly<Record<string, MessageKey>>, reason: unknown): MessageKey | undefined =>
  typeof reason === 'string' && Object.hasOwn(map, reason) ? map[reason] : undefined;

/** The message for a failure reason; unknown reasons read as "invalid". */
export const failureMessage = (reason: string): MessageKey => messageFor(FAILURE_MESSAGES, reason) ?? msg('signin.failure.invalid');
