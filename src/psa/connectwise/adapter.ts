// ConnectWise Manage (PSA) over REST 3.0. The configured URL already holds the codebase path
// (…/v4_6_release/apis/3.0); every call goes through the shared PSA HTTP client. Field names and shapes
// follow HealthITAU/pyconnectwise's models (generated from ConnectWise's OpenAPI) and the responses
// recorded in amp-labs/connectors (providers/connectwise/test/…).
import { systemClock, type Clock } from '../../lib/clock.js';
import { createPsaHttp } from '../http.js';
import { PsaError, type PsaAdapter, type PsaCompany, type PsaContact } from '../types.js';
import { cwString, isConditionSafe, safePart } from './conditions.js';
import { cloudHostWarning } from './host.js';
import { cached, emailTypeOf, NoEmailCommunicationTypeError, phoneTypeOf, type CwCommunicationType, type CwCompanyStatus } from './lookups.js';

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
  /** The channel, "Email" | "Fax" | "Phone" (pyconnectwise ContactCommunicationItem), whatever the type is named. */
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
  deletedFlag?: boolean;
  status?: { id?: number; name?: string } | null;
}

/**
 * The API version every request asks for. ConnectWise ties API models to PSA releases since 2019.1 and
 * answers the latest model unless the Accept header pins one ("For all production level integrations we
 * recommend using this Accept header", CW developer docs, PSA API Versioning; header form as in
 * christaylorcodes/ConnectWiseManageAPI Connect-CWM.ps1). 2022.1: every field read here (communicationItems,
 * communication type flags, company deletedFlag/status, status inactiveFlag, contact inactiveFlag) is in
 * the models of that release, and a server of a later release keeps serving them unchanged to it.
 */
export const CW_API_VERSION = '2022.1';
const ACCEPT = `application/vnd.connectwise.com+json; version=${CW_API_VERSION}`;

// 100 a page and at most 10 pages: an address shared by more than 1,000 contacts is not a real case.
const PAGE_SIZE = 100;
const MAX_PAGES = 10;
const CONTACT_FIELDS = 'id,firstName,lastName,company,inactiveFlag,communicationItems';
const COMPANY_FIELDS = 'id,name,deletedFlag,status';

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

const hasValue = (item: CwCommunicationItem) => typeof item.value === 'string' && item.value !== '';

/** Items of a channel by `communicationType` (case-insensitively), else by their type being one of the channel's types. */
const itemsOf = (contact: CwContact, channel: string, typeIds: ReadonlySet<number> = new Set()) =>
  (contact.communicationItems ?? []).filter(
    (i) =>
      hasValue(i) &&
      (typeof i.communicationType === 'string' && i.communicationType !== ''
        ? i.communicationType.toLowerCase() === channel.toLowerCase()
        : i.type?.id !== undefined && typeIds.has(i.type.id)),
  );

/** The item flagged default, else the first one. */
const preferred = (items: CwCommunicationItem[]) => items.find((i) => i.defaultFlag) ?? items[0];

function toContact(contact: CwContact, email: string | undefined, emailTypeIds?: ReadonlySet<number>): PsaContact {
  const emails = itemsOf(contact, 'Email', emailTypeIds);
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

export function createConnectWiseAdapter(
  config: ConnectWiseConfig,
  options: { timeoutMs?: number; retries?: number; backoffMs?: number; clock?: Clock } = {},
): PsaAdapter {
  const { clock = systemClock, ...httpOptions } = options;
  const authorization = `Basic ${Buffer.from(`${config.companyId}+${config.publicKey}:${config.privateKey}`).toString('base64')}`;
  const http = createPsaHttp({
    provider: 'connectwise',
    baseUrl: config.url,
    headers: () => ({ Authorization: authorization, clientId: config.clientId, Accept: ACCEPT }),
    messageOf,
    ...httpOptions,
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

  // The whole list, filtered here: the flags are compared locally rather than trusting boolean
  // conditions, and one read serves both the email and the phone type. Type ids differ between instances.
  const communicationTypes = cached(
    () => list<CwCommunicationType>('/company/communicationTypes', { fields: 'id,description,emailFlag,phoneFlag,faxFlag,defaultFlag', orderBy: 'id asc' }),
    clock,
  );
  const companyStatuses = cached(() => list<CwCompanyStatus>('/company/companies/statuses', { fields: 'id,name,inactiveFlag', orderBy: 'id asc' }), clock);

  async function emailType(): Promise<CwCommunicationType> {
    const type = emailTypeOf(await communicationTypes.get());
    if (type) return type;
    // Not kept: once an administrator flags a type, the next attempt finds it.
    communicationTypes.clear();
    throw new NoEmailCommunicationTypeError();
  }

  async function emailTypeIds(): Promise<Set<number>> {
    return new Set((await communicationTypes.get()).filter((t) => t.emailFlag === true).map((t) => t.id));
  }

  /** A company is active unless deleted or on a status flagged inactive. */
  async function toCompany(company: CwCompany): Promise<PsaCompany> {
    let active = company.deletedFlag !== true;
    if (active && company.status?.id !== undefined) {
      const status = (await companyStatuses.get()).find((s) => s.id === company.status!.id);
      active = status?.inactiveFlag !== true;
    }
    return { id: String(company.id), name: company.name, active };
  }

  return {
    provider: 'connectwise',

    async findContactsByEmail(email) {
      const wanted = email.trim().toLowerCase();
      if (!wanted) return [];
      // An address with `"` or `\` (a quoted local part) is searched by its longest safe part instead.
      const part = safePart(wanted);
      if (!part) return [];
      const value = isConditionSafe(wanted) ? `=${cwString(wanted)}` : ` like ${cwString(`%${part}%`)}`;
      const contacts = await list<CwContact>('/company/contacts', {
        childConditions: `communicationItems/value${value} AND communicationItems/communicationType=${cwString('Email')}`,
        fields: CONTACT_FIELDS,
        orderBy: 'id asc',
      });
      // CW may apply each child condition to a different item (a phone item holding the address and
      // some other email item), and a part matches more than the address: only contacts with an email
      // item equal to the address count. Items carry their channel in communicationType (amp-labs
      // recorded contact: "communicationType": "Email" on a type named "Shared Mailbox"); only when an
      // item lacks it is the instance's list of email types asked for.
      const lacksChannel = contacts.some((c) => (c.communicationItems ?? []).some((i) => !i.communicationType && i.value?.toLowerCase() === wanted));
      const typeIds = lacksChannel ? await emailTypeIds() : undefined;
      return contacts.filter((c) => itemsOf(c, 'Email', typeIds).some((i) => i.value!.toLowerCase() === wanted)).map((c) => toContact(c, wanted, typeIds));
    },

    async getCompany(id) {
      if (!/^\d+$/.test(id)) return undefined;
      let company: CwCompany;
      try {
        ({ body: company } = await http.request<CwCompany>('GET', `/company/companies/${id}`, { query: { fields: COMPANY_FIELDS } }));
      } catch (error) {
        if (error instanceof PsaError && error.status === 404) return undefined;
        throw error;
      }
      return toCompany(company);
    },

    async searchCompanies(query, limit = 25) {
      const pageSize = Math.min(Math.max(Math.trunc(limit), 1), 1000);
      // Whether the list includes deleted companies by default is not documented: they are asked to be
      // left out, and dropped here too.
      const wanted = query.trim().toLowerCase();
      const part = safePart(query.trim());
      const conditions = [...(part ? [`name like ${cwString(`%${part}%`)}`] : []), 'deletedFlag=false'].join(' AND ');
      // A query cut to its safe part matches more on the server: ask for a full page to filter here.
      const { body } = await http.request<CwCompany[]>('GET', '/company/companies', {
        query: { conditions, orderBy: 'name asc', fields: COMPANY_FIELDS, pageSize: part === query.trim() ? pageSize : 1000, page: 1 },
      });
      const found = (Array.isArray(body) ? body : []).filter((c) => c.deletedFlag !== true && (c.name ?? '').toLowerCase().includes(wanted));
      return Promise.all(found.slice(0, pageSize).map(toCompany));
    },

    async createContact(input) {
      if (!/^\d+$/.test(input.companyId)) throw new PsaError('connectwise', `company id must be numeric, got "${input.companyId}"`);
      const types = await communicationTypes.get();
      const email = input.email.trim().toLowerCase();
      const communicationItems: Array<Record<string, unknown>> = [
        { type: { id: (await emailType()).id }, value: email, communicationType: 'Email', defaultFlag: true },
      ];
      if (input.phone) {
        const phoneType = phoneTypeOf(types);
        if (!phoneType) throw new PsaError('connectwise', 'no communication type with Phone flag in ConnectWise');
        communicationItems.push({ type: { id: phoneType.id }, value: input.phone, communicationType: 'Phone', defaultFlag: true });
      }
      // ignoreDuplicates (a Contact body field, pyconnectwise models/manage Contact) is left out, which
      // is CW's own default (false; recorded GETs show "ignoreDuplicates": false). Sending true would
      // let CW create a second contact for a person it recognises; what CW counts as a duplicate is not
      // documented, so we do not override its judgement: the sign-in looked the address up just before.
      try {
        const { body } = await http.request<CwContact>('POST', '/company/contacts', {
          body: { firstName: input.firstName, lastName: input.lastName, company: { id: Number(input.companyId) }, communicationItems },
        });
        return toContact(body, email);
      } catch (error) {
        // A type removed since it was read makes the create invalid: read the types again next time.
        if (error instanceof PsaError && error.status === 400) communicationTypes.clear();
        throw error;
      }
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
      const warning = cloudHostWarning(config.url);
      const withWarning = (text: string) => (warning ? `${text}. Warning: ${warning}` : text);
      try {
        const { body } = await http.request<{ version?: string }>('GET', '/system/info', { retry: false });
        // The set-up a sign-in needs: without an Email type "Create your account" cannot work.
        const type = await emailType();
        return {
          ok: true,
          detail: withWarning(`ConnectWise Manage ${body?.version ?? '(version unknown)'}; new contacts get the email type "${type.description ?? type.id}"`),
        };
      } catch (error) {
        return { ok: false, error: withWarning(error instanceof Error ? error.message : String(error)) };
      }
    },
  };
}
