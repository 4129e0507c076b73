// ConnectWise Manage (PSA) over REST 3.0. The configured URL already holds the codebase path
// (…/v4_6_release/apis/3.0); every call goes through the shared PSA HTTP client.
import { createPsaHttp } from '../http.js';
import { PsaError, type PsaAdapter, type PsaContact } from '../types.js';

/** Read from CONNECTWISE_* by ./index.ts. */
export interface ConnectWiseConfig {
  provider: 'connectwise';
  url: string;
  companyId: string;
  publicKey: string;
  privateKey: string;
  clientId: string;
}

interface CwCommunicationItem {
  type?: { id?: number; name?: string } | null;
  value?: string | null;
  communicationType?: string | null;
  defaultFlag?: boolean;
}

interface CwContact {
  id: number;
  firstName?: string | null;
  lastName?: string | null;
  company?: { id: number; name?: string } | null;
  inactiveFlag?: boolean;
  communicationItems?: CwCommunicationItem[] | null;
}

interface CwCompany {
  id: number;
  name: string;
}

interface CwCommunicationType {
  id: number;
  description?: string;
  phoneFlag?: boolean;
  defaultFlag?: boolean;
}

// 100 a page and at most 10 pages: an address shared by more than 1,000 contacts is not a real case.
const PAGE_SIZE = 100;
const MAX_PAGES = 10;

/** A string literal in CW's conditions syntax: double-quoted, with `\` and `"` backslash-escaped. */
export const cwString = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** CW error bodies are {code, message, errors?: [{message}]}; the per-field messages say what was wrong. */
function messageOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const { message, errors } = body as { message?: unknown; errors?: unknown };
  const details = Array.isArray(errors)
    ? errors
        .map((e) => (e && typeof e === 'object' ? (e as { message?: unknown }).message : undefined))
        .filter((m): m is string => typeof m === 'string' && m !== '')
    : [];
  const parts = [typeof message === 'string' ? message : undefined, ...details].filter(Boolean);
  return parts.length ? parts.join(' ') : undefined;
}

const itemsOf = (contact: CwContact, kind: string) =>
  (contact.communicationItems ?? []).filter((i) => i.communicationType === kind && typeof i.value === 'string' && i.value !== '');

/** The item flagged default, else the first one. */
const preferred = (items: CwCommunicationItem[]) => items.find((i) => i.defaultFlag) ?? items[0];

function toContact(contact: CwContact, email: string | undefined): PsaContact {
  const emails = itemsOf(contact, 'Email');
  const chosen = (email && emails.find((i) => i.value!.toLowerCase() === email)) || preferred(emails);
  return {
    id: String(contact.id),
    companyId: contact.company ? String(contact.company.id) : '',
    firstName: contact.firstName ?? '',
    lastName: contact.lastName ?? '',
    email: chosen?.value?.toLowerCase() ?? '',
    phone: preferred(itemsOf(contact, 'Phone'))?.value ?? null,
    active: !contact.inactiveFlag,
  };
}

/** The rel="next" target of a Link header, if any. */
function nextLink(header: string | null): string | undefined {
  for (const part of header?.split(',') ?? []) {
    const match = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (match && /\brel\s*=\s*"?next"?/i.test(match[2])) return match[1];
  }
  return undefined;
}

export function createConnectWiseAdapter(config: ConnectWiseConfig, options: { timeoutMs?: number; retries?: number; backoffMs?: number } = {}): PsaAdapter {
  const authorization = `Basic ${Buffer.from(`${config.companyId}+${config.publicKey}:${config.privateKey}`).toString('base64')}`;
  const http = createPsaHttp({
    provider: 'connectwise',
    baseUrl: config.url,
    headers: () => ({ Authorization: authorization, clientId: config.clientId }),
    messageOf,
    ...options,
  });

  /** Every page of a list, up to MAX_PAGES. */
  async function list<T>(path: string, query: Record<string, string>): Promise<T[]> {
    const all: T[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const response = await http.request<T[]>('GET', path, { query: { ...query, pageSize: PAGE_SIZE, page } });
      all.push(...(Array.isArray(response.body) ? response.body : []));
      // The Link header only says whether there is a next page; we ask for page+1 ourselves rather
      // than follow its absolute URL, so credentials never go to a host other than the configured one.
      if (!nextLink(response.headers.get('link'))) break;
    }
    return all;
  }

  // Looked up once per adapter: type ids differ between CW instances.
  const lookups = new Map<string, Promise<number | undefined>>();
  function communicationTypeId(key: 'email' | 'phone'): Promise<number | undefined> {
    let pending = lookups.get(key);
    if (!pending) {
      pending = (async () => {
        if (key === 'email') {
          const { body } = await http.request<CwCommunicationType[]>('GET', '/company/communicationTypes', {
            query: { conditions: `description=${cwString('Email')}`, fields: 'id,description' },
          });
          return body?.[0]?.id;
        }
        // No phone type is fixed in CW; prefer the instance's default phone type, then "Direct".
        const { body } = await http.request<CwCommunicationType[]>('GET', '/company/communicationTypes', {
          query: { conditions: 'phoneFlag=true', orderBy: 'id asc' },
        });
        const types = body ?? [];
        return (types.find((t) => t.defaultFlag) ?? types.find((t) => t.description?.toLowerCase() === 'direct') ?? types[0])?.id;
      })();
      // Neither a failure nor "not found" is kept: the next call asks again.
      pending.then(
        (id) => id === undefined && lookups.delete(key),
        () => lookups.delete(key),
      );
      lookups.set(key, pending);
    }
    return pending;
  }

  return {
    provider: 'connectwise',

    async findContactsByEmail(email) {
      const wanted = email.trim().toLowerCase();
      if (!wanted) return [];
      const contacts = await list<CwContact>('/company/contacts', {
        childConditions: `communicationItems/value=${cwString(wanted)} AND communicationItems/communicationType=${cwString('Email')}`,
        orderBy: 'id asc',
      });
      // CW may apply each child condition to a different item (a phone item holding the address and
      // some other email item), so only contacts with an Email item equal to the address count.
      return contacts.filter((c) => itemsOf(c, 'Email').some((i) => i.value!.toLowerCase() === wanted)).map((c) => toContact(c, wanted));
    },

    async getCompany(id) {
      if (!/^\d+$/.test(id)) return undefined;
      try {
        const { body } = await http.request<CwCompany>('GET', `/company/companies/${id}`, { query: { fields: 'id,name' } });
        return { id: String(body.id), name: body.name, active: true };
      } catch (error) {
        if (error instanceof PsaError && error.status === 404) return undefined;
        throw error;
      }
    },

    async searchCompanies(query, limit = 25) {
      const pageSize = Math.min(Math.max(Math.trunc(limit), 1), 1000);
      const { body } = await http.request<CwCompany[]>('GET', '/company/companies', {
        query: { conditions: `name like ${cwString(`%${query}%`)}`, orderBy: 'name asc', fields: 'id,name', pageSize, page: 1 },
      });
      return (body ?? []).slice(0, pageSize).map((c) => ({ id: String(c.id), name: c.name, active: true }));
    },

    async createContact(input) {
      if (!/^\d+$/.test(input.companyId)) throw new PsaError('connectwise', `company id must be numeric, got "${input.companyId}"`);
      const emailTypeId = await communicationTypeId('email');
      if (emailTypeId === undefined) throw new PsaError('connectwise', 'no communication type described "Email" in ConnectWise');
      const email = input.email.trim().toLowerCase();
      const communicationItems: Array<Record<string, unknown>> = [{ type: { id: emailTypeId }, value: email, communicationType: 'Email', defaultFlag: true }];
      if (input.phone) {
        const phoneTypeId = await communicationTypeId('phone');
        if (phoneTypeId === undefined) throw new PsaError('connectwise', 'no phone communication type in ConnectWise');
        communicationItems.push({ type: { id: phoneTypeId }, value: input.phone, communicationType: 'Phone', defaultFlag: true });
      }
      const { body } = await http.request<CwContact>('POST', '/company/contacts', {
        body: { firstName: input.firstName, lastName: input.lastName, company: { id: Number(input.companyId) }, communicationItems },
      });
      return toContact(body, email);
    },

    async updateContactNames(id, names) {
      if (!/^\d+$/.test(id)) throw new PsaError('connectwise', `contact id must be numeric, got "${id}"`);
      // CW updates with a JSON Patch array; an unknown id is a 404 with CW's own message. A write that
      // failed or timed out is not retried (it may have happened); only a 429 is waited out.
      await http.request<CwContact>('PATCH', `/company/contacts/${id}`, {
        body: [
          { op: 'replace', path: 'firstName', value: names.firstName },
          { op: 'replace', path: 'lastName', value: names.lastName },
        ],
        retry: false,
      });
    },

    async checkConnection() {
      try {
        const { body } = await http.request<{ version?: string }>('GET', '/system/info', { retry: false });
        return { ok: true, detail: `ConnectWise Manage ${body?.version ?? '(version unknown)'}` };
      } catch (error) {
        return { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}
