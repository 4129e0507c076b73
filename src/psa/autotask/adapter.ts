// Autotask PSA over its REST API 1.0. Every call carries the three API-user headers; the tenant's zone
// (webservicesN.autotask.net) is looked up once per adapter unless the configuration names it.
// Sources: the REST swagger (panoramicdata/AutoTask.Psa.Api swagger.v1.json) for paths and headers, its
// generated models (aenichols/ATREST-CSharp-Client src/IO.Swagger/Model) for field names, and the vendor's
// developer help for thread limits; see errors.ts, limiter.ts and contact-fields.ts for each rule's source.
import { createPsaHttp, type PsaHttp, type PsaRequest } from '../http.js';
import { PsaError, type PsaAdapter, type PsaCompany, type PsaContact } from '../types.js';
import { checkContact, contactValues, DOCUMENTED_CONTACT_RULES, rulesFromFieldInformation, type ContactRules } from './contact-fields.js';
import { autotaskMessage, isThreadLimited } from './errors.js';
import { createEndpointLimiter, endpointsOf } from './limiter.js';

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
  /** Requests in flight per endpoint from this adapter (default 2; Autotask allows 3 per integration code). */
  maxInFlightPerEndpoint?: number;
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
  /** A boolean on Companies (CompanyModel.cs), unlike the integer on Contacts. */
  isActive?: boolean | number | null;
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

/** The row's address equal to `email` case-insensitively: Autotask's filter may compare either way (no source says), so every match is checked here. */
function matchingAddress(row: AutotaskContact, email: string): string | undefined {
  const wanted = email.trim().toLowerCase();
  return EMAIL_FIELDS.map((f) => row[f]).find((v): v is string => typeof v === 'string' && v.trim().toLowerCase() === wanted);
}

function toContact(row: AutotaskContact, email: string): PsaContact {
  // The address we report is the one that matched, so callers can compare it with what they searched.
  const wanted = email.trim().toLowerCase();
  const matched = matchingAddress(row, email);
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

// isActive is always in a full row; a row without it (a trimmed answer) is not taken for inactive.
const toCompany = (row: AutotaskCompany): PsaCompany => ({
  id: String(row.id),
  name: row.companyName ?? '',
  active: row.isActive !== false && row.isActive !== 0,
});

/**
 * The zone must be served like the lookup (same scheme) by the same provider: the same host, or a sibling
 * under its parent domain (webservices.autotask.net → webservices5.autotask.net).
 */
export function sameProvider(lookup: URL, zone: URL): boolean {
  if (lookup.protocol !== zone.protocol) return false;
  if (lookup.hostname === zone.hostname) return true;
  const parent = lookup.hostname.split('.').slice(1).join('.');
  return parent.includes('.') && zone.hostname.endsWith(`.${parent}`);
}

export function createAutotaskAdapter(config: AutotaskConfig, options: AutotaskAdapterOptions = {}): PsaAdapter {
  const { timeoutMs, retries, backoffMs } = options;
  const headers = () => ({ ApiIntegrationCode: config.integrationCode, UserName: config.username, Secret: config.secret });
  const limiter = createEndpointLimiter(options.maxInFlightPerEndpoint ?? 2);
  const httpFor = (baseUrl: string, withCredentials = true): PsaHttp => {
    const http = createPsaHttp({
      provider: 'autotask',
      baseUrl,
      headers: withCredentials ? headers : () => ({}),
      messageOf: autotaskMessage,
      isBusy: isThreadLimited,
      timeoutMs,
      retries,
      backoffMs,
    });
    // The zone lookup is exempt from thread limiting ("ZoneInformation requests are not subject to thread limiting").
    if (!withCredentials) return http;
    return {
      url: http.url,
      request: <T>(method: string, path: string, request?: PsaRequest) => limiter.run(endpointsOf(path), () => http.request<T>(method, path, request)),
    };
  };

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

  /** Runs a query and follows nextPageUrl until done, the cap, or `limit`. A POSTed query's next page is
   * POSTed again with the same body: a GET on it answers 405 (reproduced on a live tenant in
   * WYRE-AI/autotask-mcp#170; msoukhomlinov/n8n-nodes-autotask work-reassigner.ts does the same). */
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
      page = (await http.request<QueryPage<T>>('POST', new URL(next, origin).toString(), { body: search, retry: true })).body;
      items.push(...(page?.items ?? []));
    }
    return items.slice(0, limit);
  }

  // The Contacts entity's field rules, read once; a failed read falls back to the documented rules for
  // this call and is tried again on the next.
  let rules: Promise<ContactRules> | undefined;
  function contactRules(http: PsaHttp): Promise<ContactRules> {
    rules ??= http.request<unknown>('GET', '/Contacts/entityInformation/fields').then(({ body }) => rulesFromFieldInformation(body));
    const pending = rules;
    return pending.catch(() => {
      if (rules === pending) rules = undefined;
      return DOCUMENTED_CONTACT_RULES;
    });
  }

  return {
    provider: 'autotask',

    async findContactsByEmail(email) {
      const value = email.trim();
      if (!value) return [];
      // No source says whether eq compares text case-insensitively (likely, with SQL Server's collation).
      // Asking for the address as typed and in lower case finds it either way when it is stored in one of
      // those forms; the answer is checked here, so a looser comparison by the vendor adds nothing.
      const values = [...new Set([value, value.toLowerCase()])];
      const rows = await query<AutotaskContact>('Contacts', {
        filter: [{ op: 'or', items: EMAIL_FIELDS.flatMap((field) => values.map((v) => ({ op: 'eq', field, value: v }))) }],
      });
      return rows.filter((row) => matchingAddress(row, value) !== undefined).map((row) => toContact(row, value));
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
      const values = contactValues(input);
      // A contact Autotask would refuse (a name missing or too long) is never sent: the caller asks the person.
      checkContact(values, await contactRules(http));
      const email = values.email;
      // Contacts are created under their company (a child collection); a write is never retried on a
      // timeout or 5xx because it may already have happened (the thread-limit refusal is: nothing happened).
      const { body } = await http.request<{ itemId?: number }>('POST', `/Companies/${input.companyId}/Contacts`, {
        body: {
          companyID: Number(input.companyId),
          firstName: values.firstName,
          lastName: values.lastName,
          emailAddress: email,
          phone: values.phone || null,
          isActive: 1,
        },
        retry: false,
      });
      if (typeof body?.itemId !== 'number') throw new PsaError('autotask', 'contact create answered without an itemId');
      // Built from what we sent rather than fetched back: a failed read-back would report a contact that exists as not created.
      return {
        id: String(body.itemId),
        companyId: input.companyId,
        firstName: values.firstName,
        lastName: values.lastName,
        email: email.toLowerCase(),
        phone: values.phone || null,
        active: true,
      };
    },

    async updateContactNames(id, names) {
      if (!/^\d+$/.test(id)) throw new PsaError('autotask', `contact id must be an Autotask number, not "${id}"`);
      const { http } = await api();
      // The same rules as a new contact's: an update Autotask would refuse (an empty last name) is not sent.
      const current = await contactRules(http);
      checkContact(contactValues({ companyId: '', email: '', ...names }), { ...current, phone: { required: false }, email: { required: false } });
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
