// Microsoft Entra ID (multi-tenant) as an OpenID Provider: discovery (cached, retried), the
// authorization request (code flow, PKCE S256, state, nonce, response_mode=query,
// prompt=select_account) and the callback (code exchange, ID token verification).
//
// Why not openid-client's Configuration/passport strategy for the callback: a multi-tenant authority
// publishes the issuer "https://login.microsoftonline.com/{tenantid}/v2.0"; openid-client substitutes
// the token's tid only when the authority's origin is login.microsoftonline.com, and it does not verify
// the signature of ID tokens from the token endpoint. Portico must do both for any authority origin
// (a national cloud, or a loopback provider in tests), so it checks the issuer against the token's own
// tid itself and verifies the signature with jose against the provider's published keys.
import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { Clock } from '../../lib/clock.js';
import { constantTimeEqual } from '../../lib/crypto.js';

export interface MicrosoftOidcConfig {
  authority: string;
  clientId: string;
  clientSecret: string;
  /** Per request to Microsoft (discovery, token endpoint, keys). */
  timeoutMs?: number;
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

export interface AuthorizationStart {
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface MicrosoftClaims extends JWTPayload {
  tid: string;
  oid: string;
  preferred_username?: string;
  email?: string;
  email_verified?: boolean;
  xms_edov?: boolean | string;
  name?: string;
  given_name?: string;
  family_name?: string;
}

/** Why a Microsoft sign-in did not happen; each has a plain message on the sign-in page. */
export type MicrosoftFailure =
  | 'unavailable' // discovery, token endpoint or keys unreachable
  | 'cancelled' // the person cancelled (access_denied)
  | 'provider_error' // any other error in the callback
  | 'bad_state' // missing, wrong or replayed state
  | 'invalid_token' // signature, issuer, audience, expiry or nonce wrong
  | 'unknown_tenant' // the organisation is not linked to a company
  | 'unverified_email' // the address in the token is not verified
  | 'no_account'; // no contact / staff member for this person

export class MicrosoftSignInError extends Error {
  constructor(
    readonly reason: MicrosoftFailure,
    detail: string,
    readonly loginHint?: string,
  ) {
    super(detail);
    this.name = 'MicrosoftSignInError';
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DISCOVERY_TTL_MS = 60 * 60_000;
// After any failure talking to Microsoft (discovery, token endpoint, keys), new sign-ins fail fast for
// a while: an outage at Microsoft must not make every click on the button wait for a timeout, nor send
// people to Microsoft when the step after it has just failed.
const FAIL_FAST_MS = 30_000;

const base64url = (bytes: Buffer) => bytes.toString('base64url');

export interface MicrosoftOidc {
  /** False for 30 s after a failure talking to Microsoft: the button then leads to the email form. */
  available(): boolean;
  /** Starts a sign-in: the URL to send the browser to, and what to keep in the session. */
  start(input: { redirectUri: string; loginHint?: string }): Promise<AuthorizationStart>;
  /** Finishes it: checks state, exchanges the code, verifies the ID token; returns its claims. */
  finish(input: {
    redirectUri: string;
    query: Record<string, unknown>;
    expected: { state: string; nonce: string; codeVerifier: string } | undefined;
  }): Promise<MicrosoftClaims>;
}

// clock: the discovery cache's age and the ID token's expiry are measured on the portal's clock.
export function createMicrosoftOidc(config: MicrosoftOidcConfig, clock: Clock): MicrosoftOidc {
  const timeoutMs = config.timeoutMs ?? 5_000;
  const authority = config.authority.replace(/\/+$/, '');
  const origin = new URL(authority).origin;
  let cached: { value: Discovery; at: number } | undefined;
  // When talking to Microsoft last failed; Number.NEGATIVE_INFINITY: not yet.
  let failedAt = Number.NEGATIVE_INFINITY;
  const failingFast = () => clock.now().getTime() - failedAt < FAIL_FAST_MS;
  /** Opens (or renews) the fail-fast window; the error says Microsoft is unavailable. */
  function unreachable(detail: string): MicrosoftSignInError {
    failedAt = clock.now().getTime();
    return new MicrosoftSignInError('unavailable', detail);
  }
  let keys: { uri: string; set: ReturnType<typeof createRemoteJWKSet> } | undefined;

  async function discovery(): Promise<Discovery> {
    const now = clock.now().getTime();
    if (cached && now - cached.at < DISCOVERY_TTL_MS) return cached.value;
    if (failingFast()) {
      if (cached) return cached.value; // stale but usable beats none
      throw new MicrosoftSignInError('unavailable', 'Microsoft discovery failed recently; not retried yet');
    }
    try {
      const response = await fetch(`${authority}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
      if (!response.ok) throw new Error(`discovery answered ${response.status}`);
      const doc = (await response.json()) as Partial<Discovery>;
      for (const field of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
        if (typeof doc[field] !== 'string') throw new Error(`discovery document lacks ${field}`);
      }
      cached = { value: doc as Discovery, at: now };
      return cached.value;
    } catch (error) {
      const failure = unreachable(`Microsoft discovery failed: ${(error as Error).message}`);
      if (cached) return cached.value;
      throw failure;
    }
  }

  function keySet(uri: string) {
    if (keys?.uri !== uri)
      keys = { uri, set: createRemoteJWKSet(new URL(uri), { timeoutDuration: timeoutMs, cooldownDuration: 30_000, cacheMaxAge: DISCOVERY_TTL_MS }) };
    return keys.set;
  }

  async function exchange(doc: Discovery, code: string, redirectUri: string, codeVerifier: string): Promise<string> {
    let response: Response;
    try {
      response = await fetch(doc.token_endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
          client_id: config.clientId,
          client_secret: config.clientSecret,
          code_verifier: codeVerifier,
        }),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      throw unreachable(`token endpoint unreachable: ${(error as Error).message}`);
    }
    // A 5xx is Microsoft failing; a 4xx (e.g. invalid_grant for a made-up code) is about this request
    // only and must not let anyone switch Microsoft sign-in off for everybody.
    if (response.status >= 500) throw unreachable(`token endpoint answered ${response.status}`);
    const body = (await response.json().catch(() => ({}))) as { id_token?: unknown; error?: string; error_description?: string };
    if (!response.ok || typeof body.id_token !== 'string') {
      throw new MicrosoftSignInError(
        'provider_error',
        `token endpoint answered ${response.status}: ${body.error ?? ''} ${body.error_description ?? ''}`.trim(),
      );
    }
    return body.id_token;
  }

  async function verify(doc: Discovery, idToken: string, nonce: string): Promise<MicrosoftClaims> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, keySet(doc.jwks_uri), {
        audience: config.clientId,
        algorithms: ['RS256'],
        clockTolerance: 60,
        currentDate: clock.now(),
      }));
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      // Fetching the keys failed (timeout, refused, not 200, not a key set; network errors are not
      // jose's own, so they have no ERR_ code): Microsoft is the problem, not the token.
      if (code === 'ERR_JWKS_TIMEOUT' || code === 'ERR_JOSE_GENERIC' || code === 'ERR_JWKS_INVALID' || !code.startsWith('ERR_'))
        throw unreachable(`signing keys unavailable: ${(error as Error).message}`);
      throw new MicrosoftSignInError('invalid_token', `ID token rejected: ${(error as Error).message}`);
    }
    const claims = payload as MicrosoftClaims;
    // A token for several audiences was asked for by one of them, named in azp (OpenID Connect Core
    // 3.1.3.7): unless that is this portal, another application may be replaying a token it was given.
    if (Array.isArray(claims.aud) && claims.aud.length > 1 && claims.azp !== config.clientId)
      throw new MicrosoftSignInError('invalid_token', `ID token has several audiences and azp ${String(claims.azp)} is not this client`);
    if (typeof claims.tid !== 'string' || !GUID.test(claims.tid)) throw new MicrosoftSignInError('invalid_token', 'ID token has no tenant id (tid)');
    // The issuer must be this authority's origin with the token's own tenant.
    const expectedIssuer = `${origin}/${claims.tid}/v2.0`;
    if (claims.iss !== expectedIssuer) throw new MicrosoftSignInError('invalid_token', `ID token issuer ${claims.iss} is not ${expectedIssuer}`);
    if (typeof claims.nonce !== 'string' || !constantTimeEqual(claims.nonce, nonce))
      throw new MicrosoftSignInError('invalid_token', 'ID token nonce does not match this sign-in');
    if (typeof claims.oid !== 'string' || !GUID.test(claims.oid)) throw new MicrosoftSignInError('invalid_token', 'ID token has no object id (oid)');
    return claims;
  }

  return {
    available: () => !failingFast(),

    async start({ redirectUri, loginHint }) {
      // Within the window nothing is asked of Microsoft, cached discovery or not: straight to the email form.
      if (failingFast()) throw new MicrosoftSignInError('unavailable', 'talking to Microsoft failed recently; not retried yet');
      const doc = await discovery();
      const state = base64url(randomBytes(32));
      const nonce = base64url(randomBytes(32));
      const codeVerifier = base64url(randomBytes(32));
      const url = new URL(doc.authorization_endpoint);
      url.search = new URLSearchParams({
        client_id: config.clientId,
        response_type: 'code',
        redirect_uri: redirectUri,
        response_mode: 'query',
        scope: 'openid profile email',
        state,
        nonce,
        code_challenge: base64url(createHash('sha256').update(codeVerifier).digest()),
        code_challenge_method: 'S256',
        prompt: 'select_account',
        ...(loginHint ? { login_hint: loginHint } : {}),
      }).toString();
      return { url: url.toString(), state, nonce, codeVerifier };
    },

    async finish({ redirectUri, query, expected }) {
      const text = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
      const state = text('state');
      // State first: an answer that does not belong to this browser's sign-in is not looked at further.
      if (!expected || !state || !constantTimeEqual(state, expected.state)) throw new MicrosoftSignInError('bad_state', 'state missing, wrong or already used');
      const error = text('error');
      if (error)
        throw new MicrosoftSignInError(
          error === 'access_denied' ? 'cancelled' : 'provider_error',
          `Microsoft answered ${error}: ${text('error_description') ?? ''}`.slice(0, 300),
        );
      const code = text('code');
      if (!code) throw new MicrosoftSignInError('provider_error', 'no code in the callback');
      const doc = await discovery();
      const idToken = await exchange(doc, code, redirectUri, expected.codeVerifier);
      return verify(doc, idToken, expected.nonce);
    },
  };
}

/** The address a token proves: only an address equal to the UPN, or one Microsoft marks verified. */
export function verifiedEmail(claims: MicrosoftClaims): string | undefined {
  const upn = claims.preferred_username?.toLowerCase();
  const email = claims.email?.toLowerCase();
  const flagged = claims.xms_edov === true || claims.xms_edov === 'true' || claims.xms_edov === '1' || claims.email_verified === true;
  return email && (email === upn || flagged) ? email : undefined;
}

export function addressHint(claims: MicrosoftClaims): string | undefined {
  return (claims.email ?? claims.preferred_username)?.toLowerCase();
}
