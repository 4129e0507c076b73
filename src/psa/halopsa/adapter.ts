// HaloPSA: OAuth2 client credentials (token endpoint discovered through /api/authinfo: ./token.ts), then
// the REST API under <url>/api. Portal contacts are Halo "users", which belong to a site, which belongs to
// a client (our company). Shapes from the Halo swagger (redanthrax/halopsa-node `swagger.json`, schemas
// `Users_View`, `Users_List`, `Users`) and homotechsual/HaloAPI (`Get-HaloUser.ps1`, `Data/Templates/*.json`).
import { systemClock, type Clock } from '../../lib/clock.js';
import { createPsaHttp, type PsaRequest } from '../http.js';
import { PsaError, type PsaAdapter, type PsaCompany, type PsaContact } from '../types.js';
import { createHaloTokens } from './token.js';

/** Read from HALOPSA_* by ./index.ts. */
export interface HaloConfig {
  provider: 'halopsa';
  url: string;
  clientId: string;
  clientSecret: string;
  /** Halo-hosted instances name their tenant on the token request; else /api/authinfo's tenant_id is used. */
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
  email2?: string | null;
  email3?: string | null;
  phonenumber?: string;
  site_id?: number;
  client_id?: number;
  inactive?: boolean;
}

interface HaloClient {
  id: number;
  name: string;
  inactive?: boolean;
  /** The client's main site ([HAPI] Client.json); sites themselves carry no main-site flag. */
  main_site_id?: number | null;
}

interface HaloSite {
  id: number;
  client_id?: number;
  inactive?: boolean;
}

const PROVIDER = 'halopsa';
const USER_PAGE_SIZE = 100;
// A loose search on a full address matches few users; the cap only guards against a runaway loop.
const MAX_USER_PAGES = 5;
// List rows may lack email2/email3 (HaloAPI's Get-HaloUser re-fetches rows for "full objects"), so a row
// the search returned without a visible match is read in full. Each read is one more request against
// Halo's rate limit during a sign-in; a search on a full address returns a handful of rows, so ten
// reads cover any real case and bound a pathological one.
const MAX_FULL_READS = 10;

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
  return [user.emailaddress, user.email2, user.email3].find((e) => typeof e === 'string' && e.trim().toLowerCase() === wanted)?.trim();
}

/** Whether a list row carries all three address fields, so what it shows settles the question. */
const carriesAllAddresses = (row: HaloUser) => 'emailaddress' in row && 'email2' in row && 'email3' in row;

/** Whether what the row shows explains why the search returned it (its name or main address contains the text). */
const explainedByRow = (row: HaloUser, wanted: string) => [row.name, row.emailaddress].some((v) => v?.toLowerCase().includes(wanted));

export function createHaloPsaAdapter(config: HaloConfig, options: HaloPsaOptions = {}): PsaAdapter {
  // Halo shows admins both an "authorisation server" (…/auth) and a "resource server" (…/api) URL;
  // accept either pasted in place of the instance root.
  const root = config.url.replace(/\/+$/, '').replace(/\/(api|auth)$/i, '');
  const host = new URL(root).host;
  const tokens = createHaloTokens({ root, clientId: config.clientId, clientSecret: config.clientSecret, tenant: config.tenant }, options.clock ?? systemClock);

  function clients(retries = options.retries) {
    const common = { provider: PROVIDER, messageOf: haloMessage, timeoutMs: options.timeoutMs, retries, backoffMs: options.backoffMs } as const;
    const auth = createPsaHttp({ ...common, baseUrl: root, headers: () => ({}) });
    const api = createPsaHttp({ ...common, baseUrl: `${root}/api`, headers: async () => ({ Authorization: `Bearer ${await tokens.get(auth)}` }) });
    return { auth, api };
  }
  const normal = clients();
  // The connection check reports the first failure as it is: no retries.
  const check = clients(0);

  async function call<T>(method: string, path: string, request: PsaRequest = {}, via = normal): Promise<T> {
    // Fetched here, outside the API request's retry loop, so a failing token request is not retried twice over.
    const used = await tokens.get(via.auth);
    try {
      return (await via.api.request<T>(method, path, request)).body;
    } catch (error) {
      // The token was revoked or expired early: one new token, one more try.
      if (!(error instanceof PsaError) || error.status !== 401) throw error;
      tokens.drop(used);
      await tokens.get(via.auth);
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

  const toCompany = (client: HaloClient): PsaCompany => ({ id: String(client.id), name: client.name, active: !client.inactive });

  async function searchUsers(wanted: string): Promise<HaloUser[]> {
    const users: HaloUser[] = [];
    for (let page = 1; page <= MAX_USER_PAGES; page++) {
      const body = await call<{ record_count?: number; users?: HaloUser[] }>('GET', '/users', {
        query: { search: wanted, includeactive: 'true', includeinactive: 'true', pageinate: 'true', page_size: USER_PAGE_SIZE, page_no: page },
      });
      const batch = body?.users ?? [];
      users.push(...batch);
      if (batch.length < USER_PAGE_SIZE || users.length >= (body?.record_count ?? 0)) break;
    }
    return users;
  }

  /** The users the search returned that hold the address in any field, reading partial rows in full. */
  async function usersWithAddress(wanted: string): Promise<Array<{ user: HaloUser; matched: string }>> {
    const rows = await searchUsers(wanted);
    const found: Array<{ user: HaloUser; matched: string }> = [];
    const unsettled: HaloUser[] = [];
    for (const row of rows) {
      const matched = matchingEmail(row, wanted);
      if (matched) found.push({ user: row, matched });
      else if (!carriesAllAddresses(row)) unsettled.push(row);
    }
    // Rows whose name or main address explain the hit are the loose "contains" matches; the others most
    // likely hold the address in email2/email3, so they are read first.
    const unexplained = unsettled.filter((row) => !explainedByRow(row, wanted));
    const explained = unsettled.filter((row) => explainedByRow(row, wanted));
    if (unexplained.length > MAX_FULL_READS) {
      // Deciding "unknown" here could create a second user for someone Halo has: say we cannot tell.
      throw new PsaError(PROVIDER, `${unexplained.length} users match "${wanted}" without showing it; too many to read each`);
    }
    const toRead = [...unexplained, ...explained].slice(0, MAX_FULL_READS);
    const full = await Promise.all(toRead.map((row) => getOrUndefined<HaloUser>(`/users/${row.id}`)));
    for (const user of full) {
      const matched = user?.id ? matchingEmail(user, wanted) : undefined;
      if (user && matched) found.push({ user, matched });
    }
    return found;
  }

  /** The site new users go on: the client's main site, else its first active one. */
  async function siteForNewUsers(client: HaloClient): Promise<HaloSite | undefined> {
    const belongs = (site: HaloSite | undefined): site is HaloSite =>
      !!site?.id && !site.inactive && (site.client_id === undefined || site.client_id === client.id);
    if (client.main_site_id) {
      const main = await getOrUndefined<HaloSite>(`/site/${client.main_site_id}`);
      if (belongs(main)) return main;
    }
    // Whether the list hides inactive sites unless asked is not documented: they are skipped either way.
    const body = await call<{ sites?: HaloSite[] }>('GET', '/site', { query: { client_id: String(client.id) } });
    return (body?.sites ?? []).find(belongs);
  }

  const isId = (id: string) => /^\d+$/.test(id);

  return {
    provider: PROVIDER,

    async findContactsByEmail(email) {
      // Lower case: portal-created users are stored so, and Halo's search may be case-sensitive
      // (not documented); whatever Halo does, the match is re-checked here case-insensitively.
      const wanted = email.trim().toLowerCase();
      if (!wanted) return [];
      const matches = await usersWithAddress(wanted);
      const siteClients = new Map<number, Promise<number | undefined>>();
      // An inactive user whose site is gone must not fail the lookup of the active ones.
      const companyOf = (user: HaloUser) => (user.inactive ? clientIdOf(user, siteClients).catch(() => '') : clientIdOf(user, siteClients));
      return Promise.all(matches.map(async ({ user, matched }) => toContact(user, await companyOf(user), matched)));
    },

    async getCompany(id) {
      if (!isId(id)) return undefined;
      const client = await getOrUndefined<HaloClient>(`/client/${id}`);
      return client?.id ? toCompany(client) : undefined;
    },

    async searchCompanies(query, limit = 25) {
      const body = await call<{ clients?: HaloClient[] }>('GET', '/client', { query: { search: query, count: limit } });
      // Halo's search may also match other fields; the interface promises a name match. Inactive
      // clients are not offered for linking (Halo's list hides them by default; dropped if it does not).
      const needle = query.toLowerCase();
      return (body?.clients ?? [])
        .filter((c) => c.name?.toLowerCase().includes(needle) && !c.inactive)
        .slice(0, limit)
        .map(toCompany);
    },

    async createContact(input) {
      if (!isId(input.companyId)) throw new PsaError(PROVIDER, `not a HaloPSA client id: ${input.companyId}`);
      const client = await getOrUndefined<HaloClient>(`/client/${input.companyId}`);
      if (!client?.id) throw new PsaError(PROVIDER, `client ${input.companyId} not found`, 404);
      if (client.inactive) throw new PsaError(PROVIDER, `client ${input.companyId} is inactive in HaloPSA; no user is added to it`);
      const site = await siteForNewUsers(client);
      if (!site) throw new PsaError(PROVIDER, `client ${input.companyId} has no site to add the user to (none, or only inactive ones)`);
      const user = {
        firstname: input.firstName,
        surname: input.lastName,
        name: `${input.firstName} ${input.lastName}`.trim(),
        emailaddress: input.email,
        phonenumber: input.phone ?? undefined,
        site_id: site.id,
        // Said explicitly, as Halo's default is not documented: the person has just signed in through
        // the portal with its own mail, and a Halo welcome mail (another portal, another password)
        // would only confuse them. The MSP's other mail settings (neversendemails …) are left alone.
        sendwelcomeemail: false,
      };
      // Halo's POST endpoints take an array and answer the one record (swagger: 201 `Users`); an array
      // answer is accepted too. POST is not retried (http.ts), as it may have happened.
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
