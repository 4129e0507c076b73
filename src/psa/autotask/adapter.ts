// Autotask PSA over its REST API 1.0. Every call carries the three API-user headers; the tenant's zone
// (webservicesN.autotask.net) is looked up once per adapter unless the configuration names it.
import { createPsaHttp, type PsaHttp } from '../http.js';
import { PsaError, type PsaAdapter, type PsaCompany, type PsaContact } from '../types.js';

/** Read from AUTOTASK_* by ./index.ts. */
export interface AutotaskConfig {
  provider: 'autotask';
  /** The zone's API base; unset: looked up from the username. */
  url: string | undefined;
  username: string;
  secret: string;
  integrationCode: string;
}

export interface AutotaskAdapterOptions {
  timeoutMs?: number;
  retries?: number;
  backoffMs?: number;
  /** Where the zone is looked up when config.url is unset; `?user=` is added here. */
  zoneLookupUrl?: string;
}

/** Autotask's global zone-information endpoint, which answers for every tenant. */
export const AUTOTASK_ZONE_LOOKUP_URL = 'https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation';

// Autotask pages queries at up to 500 records; an email match or a company picker never needs more
// than a few pages, so a longer chain means something is wrong and we stop rather than loop.
const MAX_PAGES = 10;
const MAX_RECORDS = 500;

interface AutotaskContact {
  id: number;
  companyID: number;
  firstName?: string | null;
  lastName?: string | null;
  emailAddress?: string | null;
  emailAddress2?: string | null;
  emailAddress3?: string | null;
  phone?: string | null;
  isActive?: number | boolean;
}

interface AutotaskCompany {
  id: number;
  companyName?: string | null;
}

interface QueryPage<T> {
  items?: T[];
  pageDetails?: { count?: number; requestCount?: number; prevPageUrl?: string | null; nextPageUrl?: string | null };
}

interface Zone {
  http: PsaHttp;
  /** Shown by checkConnection so an admin can see which zone was used. */
  label: string;
}

const EMAIL_FIELDS = ['emailAddress', 'emailAddress2', 'emailAddress3'] as const;

/** Autotask error bodies are {"errors": ["message", ...]}; some proxies answer with {"message"}. */
export function autotaskMessage(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const { errors, message } = body as { errors?: unknown; message?: unknown };
  if (Array.isArray(errors)) {
    const texts = errors
      .map((e) =>
        typeof e === 'string'
          ? e
          : e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string'
            ? (e as { message: string }).message
            : undefined,
      )
      .filter((t): t is string => !!t);
    if (texts.length) return texts.join('; ');
  }
  return typeof message === 'string' && message ? message : undefined;
}

function toContact(row: AutotaskContact, email: string): PsaContact {
  // The address we report is the one that matched, so callers can compare it with what they searched.
  const wanted = email.trim().toLowerCase();
  const matched = EMAIL_FIELDS.map((f) => row[f]).find((v) => typeof v === 'string' && v.trim().toLowerCase() === wanted);
  return {
    id: String(row.id),
    companyId: String(row.companyID),
    firstName: row.firstName ?? '',
    lastName: row.lastName ?? '',
    email: (matched ?? row.emailAddress ?? wanted).trim().toLowerCase(),
    phone: row.phone ? row.phone : null,
    active: row.isActive === 1 || row.isActive === true,
  };
}

const toCompany = (row: AutotaskCompany): PsaCompany => ({ id: String(row.id), name: row.companyName ?? '', active: true });

/** The zone must be served like the lookup (same scheme) by the same provider (same host, or a sibling under its parent domain: webservices.autotask.net → webservices5.autotask.net). */
export function sameProvider(lookup: URL, zone: URL): boolean {
  if (lookup.protocol !== zone.protocol) return false;
  if (lookup.hostname === zone.hostname) return true;
  const parent = lookup.hostname.split('.').slice(1).join('.');
  return parent.includes('.') && zone.hostname.endsWith(`.${parent}`);
}

export function createAutotaskAdapter(config: AutotaskConfig, options: AutotaskAdapterOptions = {}): PsaAdapter {
  const { timeoutMs, retries, backoffMs } = options;
  const headers = () => ({ ApiIntegrationCode: config.integrationCode, UserName: config.username, Secret: config.secret });
  const httpFor = (baseUrl: string, withCredentials = true) =>
    createPsaHttp({
      provider: 'autotask',
      baseUrl,
      headers: withCredentials ? headers : () => ({}),
      messageOf: autotaskMessage,
      timeoutMs,
      retries,
      backoffMs,
    });

  // The zone base ends in ".../atservicesrest/"; the API version is part of every path after it.
  const apiFor = (zoneBase: string, label: string): Zone => ({ http: httpFor(`${zoneBase.replace(/\/+$/, '')}/v1.0`), label });

  let zone: Promise<Zone> | undefined = config.url ? Promise.resolve(apiFor(config.url, config.url)) : undefined;

  async function lookUpZone(retry: boolean): Promise<Zone> {
    const lookupUrl = options.zoneLookupUrl ?? AUTOTASK_ZONE_LOOKUP_URL;
    // The lookup needs only the user name: the secret is not sent to it.
    const { body } = await httpFor(lookupUrl, false).request<{ url?: unknown; zoneName?: unknown }>('GET', lookupUrl, {
      query: { user: config.username },
      retry,
    });
    if (!body || typeof body.url !== 'string' || !/^https?:\/\//i.test(body.url)) {
      throw new PsaError('autotask', `zone lookup for ${config.username} returned no API address`);
    }
    if (!sameProvider(new URL(lookupUrl), new URL(body.url))) {
      throw new PsaError('autotask', `zone lookup named ${new URL(body.url).origin}, which is not an Autotask host; the credentials are not sent there`);
    }
    return apiFor(body.url, typeof body.zoneName === 'string' && body.zoneName ? `${body.zoneName}, ${body.url}` : body.url);
  }

  /** The zone, looked up once; a failed lookup is forgotten so the next call tries again. */
  function api(retry = true): Promise<Zone> {
    if (zone) return zone;
    const pending = lookUpZone(retry);
    zone = pending;
    pending.catch(() => {
      if (zone === pending) zone = undefined;
    });
    return pending;
  }

  /** Runs a query and follows nextPageUrl (absolute, fetched with GET) until done, the cap, or `limit`. */
  async function query<T>(entity: string, search: Record<string, unknown>, limit = Infinity): Promise<T[]> {
    const { http } = await api();
    // Queries are POSTs only because the filter is a JSON body; they change nothing, so they retry like reads.
    let page = (await http.request<QueryPage<T>>('POST', `/${entity}/query`, { body: search, retry: true })).body;
    const items: T[] = [...(page?.items ?? [])];
    const origin = new URL(http.url('/')).origin;
    for (let pages = 1; items.length < limit && pages < MAX_PAGES; pages++) {
      const next = page?.pageDetails?.nextPageUrl;
      if (!next) break;
      // The credentials go with every request, so only follow links back to the zone we were given.
      if (new URL(next, origin).origin !== origin) throw new PsaError('autotask', `next page link leaves the API host: ${next}`);
      page = (await http.request<QueryPage<T>>('GET', new URL(next, origin).toString())).body;
      items.push(...(page?.items ?? []));
    }
    return items.slice(0, limit);
  }

  return {
    provider: 'autotask',

    async findContactsByEmail(email) {
      const value = email.trim();
      if (!value) return [];
      const rows = await query<AutotaskContact>('Contacts', {
        filter: [{ op: 'or', items: EMAIL_FIELDS.map((field) => ({ op: 'eq', field, value })) }],
      });
      return rows.map((row) => toContact(row, value));
    },

    async getCompany(id) {
      // Autotask ids are integers; anything else cannot name a company, and asking would only 404.
      if (!/^\d+$/.test(id)) return undefined;
      const { http } = await api();
      try {
        const { body } = await http.request<{ item?: AutotaskCompany | null }>('GET', `/Companies/${id}`);
        return body?.item ? toCompany(body.item) : undefined;
      } catch (error) {
        if (error instanceof PsaError && error.status === 404) return undefined;
        throw error;
      }
    },

    async searchCompanies(q, limit = 25) {
      const max = Math.min(Math.max(Math.floor(limit), 1), MAX_RECORDS);
      const value = q.trim();
      // Autotask refuses a query without a filter, so "no query" becomes "every id".
      const filter = value ? [{ op: 'contains', field: 'companyName', value }] : [{ op: 'gte', field: 'id', value: 0 }];
      const rows = await query<AutotaskCompany>('Companies', { filter, MaxRecords: max }, max);
      return rows.map(toCompany);
    },

    async createContact(input) {
      if (!/^\d+$/.test(input.companyId)) throw new PsaError('autotask', `company id must be an Autotask number, not "${input.companyId}"`);
      const { http } = await api();
      const email = input.email.trim();
      // Contacts are created under their company (a child collection); a write is never retried on a
      // timeout or 5xx because it may already have happened.
      const { body } = await http.request<{ itemId?: number }>('POST', `/Companies/${input.companyId}/Contacts`, {
        body: {
          companyID: Number(input.companyId),
          firstName: input.firstName,
          lastName: input.lastName,
          emailAddress: email,
          phone: input.phone ?? null,
          isActive: 1,
        },
        retry: false,
      });
      if (typeof body?.itemId !== 'number') throw new PsaError('autotask', 'contact create answered without an itemId');
      // Built from what we sent rather than fetched back: a failed read-back would report a contact that exists as not created.
      return {
        id: String(body.itemId),
        companyId: input.companyId,
        firstName: input.firstName,
        lastName: input.lastName,
        email: email.toLowerCase(),
        phone: input.phone ?? null,
        active: true,
      };
    },

    async updateContactNames(id, names) {
      if (!/^\d+$/.test(id)) throw new PsaError('autotask', `contact id must be an Autotask number, not "${id}"`);
      const { http } = await api();
      // Contacts are a child of Companies: Autotask offers no PATCH /Contacts, only
      // PATCH /Companies/{parentId}/Contacts, so the contact's company is read first (a read: retried).
      const { body: found } = await http.request<{ item?: AutotaskContact | null }>('GET', `/Contacts/${id}`);
      // A missing id is not a 404 in Autotask: the item is simply null.
      const contact = found?.item;
      if (!contact) throw new PsaError('autotask', `contact ${id} not found`, 404);
      if (typeof contact.companyID !== 'number') throw new PsaError('autotask', `contact ${id} has no company`);
      // PATCH changes only the fields sent; the write is not retried on a timeout or 5xx.
      await http.request<{ itemId?: number }>('PATCH', `/Companies/${contact.companyID}/Contacts`, {
        body: { id: Number(id), firstName: names.firstName, lastName: names.lastName },
        retry: false,
      });
    },

    async checkConnection() {
      try {
        const { http, label } = await api(false);
        // Entity information needs valid API-user credentials and touches no data.
        await http.request('GET', '/Companies/entityInformation', { retry: false });
        return { ok: true, detail: `Autotask REST (zone ${label})` };
      } catch (error) {
        return { ok: false, error: (error as Error).message };
      }
    },
  };
}
