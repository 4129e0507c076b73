// HaloPSA: OAuth2 client credentials against <url>/auth/token (with ?tenant= for Halo-hosted instances),
// then the REST API under <url>/api. Portal contacts are Halo "users", which belong to a site, which
// belongs to a client (our company).
import { systemClock, type Clock } from '../../lib/clock.js';
import { createPsaHttp, type PsaHttp, type PsaRequest } from '../http.js';
import { PsaError, type PsaAdapter, type PsaCompany, type PsaContact } from '../types.js';

/** Read from HALOPSA_* by ./index.ts. */
export interface HaloConfig {
  provider: 'halopsa';
  url: string;
  clientId: string;
  clientSecret: string;
  /** Halo-hosted instances name their tenant on the token request. */
  tenant: string | undefined;
}

export interface HaloPsaOptions {
  timeoutMs?: number;
  retries?: number;
  backoffMs?: number;
  /** When the cached token is renewed. */
  clock?: Clock;
}

interface HaloUser {
  id: number;
  name?: string;
  firstname?: string;
  surname?: string;
  emailaddress?: string;
  email2?: string;
  email3?: string;
  phonenumber?: string;
  site_id?: number;
  client_id?: number;
  inactive?: boolean;
}

interface HaloClient {
  id: number;
  name: string;
}

interface HaloSite {
  id: number;
  client_id?: number;
  main_site?: boolean;
  mainsite?: boolean;
}

interface TokenResponse {
  access_token: string;
  expires_in?: number;
}

const PROVIDER = 'halopsa';
const USER_PAGE_SIZE = 100;
// A loose search on a full address matches few users; the cap only guards against a runaway loop.
const MAX_USER_PAGES = 5;

/** Halo's error bodies differ by layer: OAuth errors, .NET exceptions, validation results, plain text. */
export function haloMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() ? body.trim().slice(0, 300) : undefined;
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  if (text(b.error)) return text(b.error_description) ? `${text(b.error)}: ${text(b.error_description)}` : text(b.error);
  if (text(b.errorMessage)) return text(b.errorMessage);
  const message = text(b.Message) ?? text(b.message);
  if (message) return text(b.ClassName) ? `${text(b.ClassName)}: ${message}` : message;
  return undefined;
}

/** Users match on any of Halo's three address fields; returns the one that matched, in Halo's casing. */
function matchingEmail(user: HaloUser, wanted: string): string | undefined {
  return [user.emailaddress, user.email2, user.email3].find((e) => e?.trim().toLowerCase() === wanted);
}

export function createHaloPsaAdapter(config: HaloConfig, options: HaloPsaOptions = {}): PsaAdapter {
  // Halo shows admins both an "authorisation server" (…/auth) and a "resource server" (…/api) URL;
  // accept either pasted in place of the instance root.
  const root = config.url.replace(/\/+$/, '').replace(/\/(api|auth)$/i, '');
  const host = new URL(root).host;
  const clock = options.clock ?? systemClock;
  const now = () => clock.now().getTime();

  let cached: { value: string; refreshAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function fetchToken(auth: PsaHttp): Promise<string> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: config.clientId, client_secret: config.clientSecret, scope: 'all' });
    // A token request changes nothing, so it may be retried like a read.
    const { body } = await auth.request<TokenResponse>('POST', '/auth/token', { query: { tenant: config.tenant }, body: form, retry: true });
    if (!body?.access_token) throw new PsaError(PROVIDER, 'token response had no access_token');
    const lifetimeMs = (body.expires_in ?? 3600) * 1000;
    // Renew a minute early (or halfway, for short-lived tokens) so a call never starts with a dying token.
    cached = { value: body.access_token, refreshAt: now() + lifetimeMs - Math.min(60_000, lifetimeMs / 2) };
    return body.access_token;
  }

  function token(auth: PsaHttp): Promise<string> {
    if (cached && now() < cached.refreshAt) return Promise.resolve(cached.value);
    // Concurrent callers share one token request.
    pending ??= fetchToken(auth).finally(() => {
      pending = undefined;
    });
    return pending;
  }

  function clients(retries = options.retries) {
    const common = { provider: PROVIDER, messageOf: haloMessage, timeoutMs: options.timeoutMs, retries, backoffMs: options.backoffMs } as const;
    const auth = createPsaHttp({ ...common, baseUrl: root, headers: () => ({}) });
    const api = createPsaHttp({ ...common, baseUrl: `${root}/api`, headers: async () => ({ Authorization: `Bearer ${await token(auth)}` }) });
    return { auth, api };
  }
  const normal = clients();
  // The connection check reports the first failure as it is: no retries.
  const check = clients(0);

  async function call<T>(method: string, path: string, request: PsaRequest = {}, via = normal): Promise<T> {
    // Fetched here, outside the API request's retry loop, so a failing token request is not retried twice over.
    const used = await token(via.auth);
    try {
      return (await via.api.request<T>(method, path, request)).body;
    } catch (error) {
      // The token was revoked or expired early: one new token, one more try.
      if (!(error instanceof PsaError) || error.status !== 401) throw error;
      if (cached?.value === used) cached = undefined;
      await token(via.auth);
      return (await via.api.request<T>(method, path, request)).body;
    }
  }

  async function getOrUndefined<T>(path: string): Promise<T | undefined> {
    try {
      return await call<T>('GET', path);
    } catch (error) {
      if (error instanceof PsaError && error.status === 404) return undefined;
      throw error;
    }
  }

  async function clientIdOf(user: HaloUser, siteClients: Map<number, Promise<number | undefined>>): Promise<string> {
    if (user.client_id) return String(user.client_id);
    // Older records and some list views carry only the site; the site knows its client.
    if (!user.site_id) throw new PsaError(PROVIDER, `user ${user.id} has neither a client nor a site`);
    let lookup = siteClients.get(user.site_id);
    if (!lookup) {
      lookup = getOrUndefined<HaloSite>(`/site/${user.site_id}`).then((site) => site?.client_id);
      siteClients.set(user.site_id, lookup);
    }
    const clientId = await lookup;
    if (!clientId) throw new PsaError(PROVIDER, `site ${user.site_id} of user ${user.id} has no client`);
    return String(clientId);
  }

  function toContact(user: HaloUser, companyId: string, email: string): PsaContact {
    const [first = '', ...rest] = (user.name ?? '').trim().split(/\s+/);
    return {
      id: String(user.id),
      companyId,
      firstName: user.firstname ?? first,
      lastName: user.surname ?? rest.join(' '),
      email,
      phone: user.phonenumber?.trim() || null,
      active: !user.inactive,
    };
  }

  const isId = (id: string) => /^\d+$/.test(id);

  return {
    provider: PROVIDER,

    async findContactsByEmail(email) {
      const wanted = email.trim().toLowerCase();
      if (!wanted) return [];
      const users: HaloUser[] = [];
      for (let page = 1; page <= MAX_USER_PAGES; page++) {
        const body = await call<{ record_count?: number; users?: HaloUser[] }>('GET', '/users', {
          query: { search: wanted, includeactive: 'true', includeinactive: 'true', pageinate: 'true', page_size: USER_PAGE_SIZE, page_no: page },
        });
        const batch = body?.users ?? [];
        users.push(...batch);
        if (batch.length < USER_PAGE_SIZE || users.length >= (body?.record_count ?? 0)) break;
      }
      // Halo's search is a loose "contains" over names and addresses: keep exact address matches only.
      const siteClients = new Map<number, Promise<number | undefined>>();
      const matches = users.flatMap((user) => {
        const matched = matchingEmail(user, wanted);
        return matched ? [{ user, matched }] : [];
      });
      // An inactive user whose site is gone must not fail the lookup of the active ones.
      const companyOf = (user: HaloUser) => (user.inactive ? clientIdOf(user, siteClients).catch(() => '') : clientIdOf(user, siteClients));
      return Promise.all(matches.map(async ({ user, matched }) => toContact(user, await companyOf(user), matched)));
    },

    async getCompany(id) {
      if (!isId(id)) return undefined;
      const client = await getOrUndefined<HaloClient>(`/client/${id}`);
      return client?.id ? { id: String(client.id), name: client.name, active: true } : undefined;
    },

    async searchCompanies(query, limit = 25) {
      const body = await call<{ clients?: HaloClient[] }>('GET', '/client', { query: { search: query, count: limit } });
      // Halo's search may also match other fields; the interface promises a name match.
      const needle = query.toLowerCase();
      return (body?.clients ?? [])
        .filter((c) => c.name?.toLowerCase().includes(needle))
        .slice(0, limit)
        .map((c): PsaCompany => ({ id: String(c.id), name: c.name, active: true }));
    },

    async createContact(input) {
      if (!isId(input.companyId)) throw new PsaError(PROVIDER, `not a HaloPSA client id: ${input.companyId}`);
      const body = await call<{ sites?: HaloSite[] }>('GET', '/site', { query: { client_id: input.companyId } });
      const sites = body?.sites ?? [];
      // A Halo user must belong to a site; new portal contacts go to the client's main (else first) site.
      const site = sites.find((s) => s.main_site || s.mainsite) ?? sites[0];
      if (!site) throw new PsaError(PROVIDER, `client ${input.companyId} has no site to add the user to`);
      const user = {
        firstname: input.firstName,
        surname: input.lastName,
        name: `${input.firstName} ${input.lastName}`.trim(),
        emailaddress: input.email,
        phonenumber: input.phone ?? undefined,
        site_id: site.id,
      };
      // Halo's POST endpoints take an array; POST is not retried (http.ts), as it may have happened.
      const created = await call<HaloUser | HaloUser[]>('POST', '/users', { body: [user] });
      const record = Array.isArray(created) ? created[0] : created;
      if (!record?.id) throw new PsaError(PROVIDER, 'HaloPSA did not return the created user');
      return toContact(record, record.client_id ? String(record.client_id) : input.companyId, record.emailaddress ?? input.email);
    },

    async updateContactNames(id, names) {
      if (!isId(id)) throw new PsaError(PROVIDER, `not a HaloPSA user id: ${id}`);
      // Halo's POST /users is an upsert keyed on id, and what it does with an id it does not know is not
      // documented; so the user is read first and a missing one is reported without writing anything.
      const existing = await getOrUndefined<HaloUser>(`/users/${id}`);
      if (!existing?.id) throw new PsaError(PROVIDER, `user ${id} not found`, 404);
      const user = { id: Number(id), firstname: names.firstName, surname: names.lastName, name: `${names.firstName} ${names.lastName}`.trim() };
      // Not retried on a timeout or 5xx (http.ts): the update may have happened.
      const saved = await call<HaloUser | HaloUser[] | undefined>('POST', '/users', { body: [user] });
      const record = Array.isArray(saved) ? saved[0] : saved;
      // An answer naming another record means Halo created a user rather than updating this one.
      if (record && typeof record === 'object' && record.id !== undefined && String(record.id) !== id) {
        throw new PsaError(PROVIDER, `HaloPSA saved user ${record.id} instead of updating user ${id}`);
      }
    },

    async checkConnection() {
      try {
        await call('GET', '/client', { query: { count: 1 } }, check);
        return { ok: true, detail: `HaloPSA at ${host}` };
      } catch (error) {
        return { ok: false, error: (error as Error).message };
      }
    },
  };
}
