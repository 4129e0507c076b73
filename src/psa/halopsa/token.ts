// HaloPSA's OAuth2 client-credentials token, and where to ask for it. The token endpoint is discovered
// as homotechsual/HaloAPI `Public/Connect-HaloAPI.ps1` does: GET <root>/api/authinfo (no authentication)
// answers `auth_url`, the token endpoint is `<auth_url path>/token` (or `/token` when it has no path),
// and the tenant is the configured one, else authinfo's `tenant_id`. When authinfo has nothing to say,
// the endpoint is the default `<root>/auth/token` (with `?tenant=` when one is configured). On-premise
// instances may run the authorisation server on another path or host, where that default fails.
import type { Clock } from '../../lib/clock.js';
import type { PsaHttp } from '../http.js';
import { PsaError } from '../types.js';

interface TokenResponse {
  access_token: string;
  token_type?: string;
  expires_in?: number;
}

interface AuthInfo {
  auth_url?: unknown;
  tenant_id?: unknown;
}

interface TokenEndpoint {
  url: string;
  tenant: string | undefined;
}

const PROVIDER = 'halopsa';
const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

export interface HaloTokens {
  /** A valid access token, from the cache while it lasts. */
  get(auth: PsaHttp): Promise<string>;
  /** Forgets `used` (revoked or expired early), so the next get() asks for a new one. */
  drop(used: string): void;
}

export function createHaloTokens(config: { root: string; clientId: string; clientSecret: string; tenant: string | undefined }, clock: Clock): HaloTokens {
  const now = () => clock.now().getTime();
  let cached: { value: string; refreshAt: number } | undefined;
  let pending: Promise<string> | undefined;
  // Discovered once per process: the endpoint only moves when the instance is reconfigured.
  let endpoint: TokenEndpoint | undefined;

  const fallback = (): TokenEndpoint => ({ url: `${config.root}/auth/token`, tenant: config.tenant });

  /** authinfo's token endpoint; undefined when it names none. Only http(s), and never https → http. */
  function fromAuthInfo(info: AuthInfo | undefined): TokenEndpoint | undefined {
    const authUrl = text(info?.auth_url);
    if (!authUrl) return undefined;
    let url: URL;
    try {
      url = new URL(authUrl, config.root);
    } catch {
      return undefined;
    }
    const downgrade = new URL(config.root).protocol === 'https:' && url.protocol !== 'https:';
    if (!['http:', 'https:'].includes(url.protocol) || downgrade) return undefined;
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/token`;
    url.search = '';
    return { url: url.toString(), tenant: config.tenant ?? text(info?.tenant_id) };
  }

  async function discover(auth: PsaHttp): Promise<TokenEndpoint> {
    if (endpoint) return endpoint;
    try {
      const { body } = await auth.request<AuthInfo | undefined>('GET', '/api/authinfo');
      endpoint = fromAuthInfo(body && typeof body === 'object' ? body : undefined) ?? fallback();
      return endpoint;
    } catch (error) {
      // A 4xx is the instance's answer (no authinfo there): settled. A timeout or 5xx is not: the
      // default is used this once and discovery is tried again with the next token.
      if (error instanceof PsaError && error.status !== undefined && error.status < 500 && error.status !== 429) {
        endpoint = fallback();
        return endpoint;
      }
      return fallback();
    }
  }

  async function fetchToken(auth: PsaHttp): Promise<string> {
    const { url, tenant } = await discover(auth);
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: config.clientId, client_secret: config.clientSecret, scope: 'all' });
    // A token request changes nothing, so it may be retried like a read.
    const { body } = await auth.request<TokenResponse>('POST', url, { query: { tenant }, body: form, retry: true });
    if (!body?.access_token) throw new PsaError(PROVIDER, 'token response had no access_token');
    const lifetimeMs = (body.expires_in ?? 3600) * 1000;
    // Renew a minute early (or halfway, for short-lived tokens) so a call never starts with a dying token.
    cached = { value: body.access_token, refreshAt: now() + lifetimeMs - Math.min(60_000, lifetimeMs / 2) };
    return body.access_token;
  }

  return {
    get(auth) {
      if (cached && now() < cached.refreshAt) return Promise.resolve(cached.value);
      // Concurrent callers share one token request.
      pending ??= fetchToken(auth).finally(() => {
        pending = undefined;
      });
      return pending;
    },
    drop(used) {
      if (cached?.value === used) cached = undefined;
    },
  };
}
