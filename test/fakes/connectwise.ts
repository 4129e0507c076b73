// A loopback stand-in for ConnectWise Manage REST 3.0, built from the vendor's published definitions, not
// from the adapter. Sources:
// - HealthITAU/pyconnectwise @ 5ea14c1d (models generated from CW's OpenAPI): src/pyconnectwise/models/manage/
//   __init__.py, classes Contact, ContactCommunicationItem, CommunicationType, Company, CompanyStatus,
//   ErrorResponseMessage, ValidationError, Info; src/pyconnectwise/types.py (list parameters);
//   clients/manage_client.py (Basic companyId+publicKey:privateKey, clientId header);
//   endpoints/manage/CompanyCompaniesStatusesEndpoint.py (GET /company/companies/statuses).
// - amp-labs/connectors, providers/connectwise/test/: read/contact-emma-diaz.json (a recorded contact: items
//   carry communicationType "Email" | "Phone" | "Fax" whatever their type is named), write/contacts/
//   bad-request.json (the 400 shape below), delete/contact-not-found.json, read/not-found.json; and
//   test/metadata/communication-items/{1-first-page,2-last-page}.json @ 39c3496d (the communication types
//   seeded below, split over two pages); read_test.go (Link rel="next" paging).
// - christaylorcodes/ConnectWiseManageAPI Connect-CWM.ps1 (Accept: application/vnd.connectwise.com+json; version=…).
// - CW developer docs "PSA API Requests" (statuses 201/400/401/404/405/409/429).
// Not settled by any source, so offered both ways (see FakeCwBehaviour): whether company lists and
// GET /company/companies/{id} show deleted companies, and how a `"` or `\` inside a condition string is
// escaped. Assumed without a source: string comparisons are case-insensitive (SQL Server's default
// collation), two child conditions may be met by two different items, and a communication item's
// communicationType is derived from its type's flags whatever the caller sent.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FailureSpec as FakeFailure } from './failure.js';

export const BASE_PATH = '/v4_6_release/apis/3.0';

export interface FakeCwCommunicationItem {
  id?: number;
  type: { id: number; name: string };
  value: string;
  /** The channel, whatever the type is named; always present in recorded responses (a test may leave it out). */
  communicationType?: 'Email' | 'Phone' | 'Fax' | string;
  defaultFlag?: boolean;
}

export interface FakeCwContact {
  id: number;
  firstName: string;
  lastName: string;
  company: { id: number; name: string } | null;
  inactiveFlag: boolean;
  communicationItems: FakeCwCommunicationItem[];
}

export interface FakeCwCompany {
  id: number;
  identifier: string;
  name: string;
  deletedFlag?: boolean;
  /** A CompanyStatusReference; Active (id 1) when left out. */
  status?: { id: number; name: string };
}

export interface FakeCwCompanyStatus {
  id: number;
  name: string;
  inactiveFlag: boolean;
  defaultFlag: boolean;
}

/** The readings of what no source settles; a test may change them on a running fake. */
export interface FakeCwBehaviour {
  /** 'listed': deleted companies are served with deletedFlag true unless the conditions leave them out;
   * 'hidden': they are missing from lists and GET by id answers 404. */
  deletedCompanies: 'listed' | 'hidden';
  /** 'backslash': `\"` and `\\` inside a condition string are escapes; 'none': a `\` is a plain character
   * and a `"` ends the string (so a quote inside makes the condition invalid). */
  conditionEscapes: 'backslash' | 'none';
}

export interface FakeCwCommunicationType {
  id: number;
  description: string;
  emailFlag: boolean;
  phoneFlag: boolean;
  faxFlag: boolean;
  defaultFlag: boolean;
}

export type { FailureSpec as FakeFailure } from './failure.js';

export interface LoggedRequest {
  method: string;
  /** Path below the API base, e.g. /company/contacts. */
  path: string;
  query: Record<string, string>;
  body?: unknown;
  accept?: string;
}

/** The communication types of the amp-labs/connectors sandbox fixture: no type is named "Email". */
export const FIXTURE_COMMUNICATION_TYPES: FakeCwCommunicationType[] = [
  { id: 1, description: 'Email - Business', phoneFlag: false, faxFlag: false, emailFlag: true, defaultFlag: true },
  { id: 2, description: 'Email - Private', phoneFlag: false, faxFlag: false, emailFlag: true, defaultFlag: false },
  { id: 3, description: 'Phone - Work', phoneFlag: true, faxFlag: false, emailFlag: false, defaultFlag: true },
  { id: 4, description: 'Phone - Home', phoneFlag: true, faxFlag: false, emailFlag: false, defaultFlag: false },
  { id: 5, description: 'Phone - Landline', phoneFlag: true, faxFlag: false, emailFlag: false, defaultFlag: false },
  { id: 6, description: 'Fax - Work', phoneFlag: false, faxFlag: true, emailFlag: false, defaultFlag: true },
  { id: 7, description: 'Fax - Home', phoneFlag: false, faxFlag: true, emailFlag: false, defaultFlag: false },
];

/** An instance still on the stock names: one type called "Email", not flagged default. */
export const PLAIN_COMMUNICATION_TYPES: FakeCwCommunicationType[] = [
  { id: 1, description: 'Email', emailFlag: true, phoneFlag: false, faxFlag: false, defaultFlag: false },
  { id: 2, description: 'Direct', emailFlag: false, phoneFlag: true, faxFlag: false, defaultFlag: true },
  { id: 3, description: 'Fax', emailFlag: false, phoneFlag: false, faxFlag: true, defaultFlag: false },
  { id: 4, description: 'Cell', emailFlag: false, phoneFlag: true, faxFlag: false, defaultFlag: false },
];

const COMPANY_STATUSES: FakeCwCompanyStatus[] = [
  { id: 1, name: 'Active', inactiveFlag: false, defaultFlag: true },
  { id: 2, name: 'Inactive', inactiveFlag: true, defaultFlag: false },
  { id: 3, name: 'Not-Approved', inactiveFlag: false, defaultFlag: false },
];

/** pyconnectwise ValidationError; recorded in amp-labs bad-request.json as
 * {code: "MissingRequiredField", message: "The firstName field is required.", resource: "contact", field: "firstName"}. */
interface FieldError {
  code: string;
  message: string;
  resource: string;
  field: string;
}

class CwError extends Error {
  constructor(
    readonly status: number,
    readonly body: { code: string; message: string; errors?: FieldError[] },
  ) {
    super(body.message);
  }
}

/** A 400 in the recorded shape {code: "InvalidObject", message: "<resource> object is invalid", errors}. */
const invalid = (resource: string, errors: FieldError[]) => new CwError(400, { code: 'InvalidObject', message: `${resource} object is invalid`, errors });

/** A bad query parameter or body: the recorded shape, the parameter named as the field. */
const badRequest = (message: string, field = 'body', resource = 'request') =>
  new CwError(400, { code: 'InvalidObject', message, errors: [{ code: 'InvalidField', message, resource, field }] });

// --- conditions syntax --------------------------------------------------------------------------

type Value = string | number | boolean | null;
interface Clause {
  path: string[];
  op: '=' | '!=' | 'like' | 'contains';
  value: Value;
}

/** Parses `path op value [AND path op value]…`; anything else is a 400 naming the parameter. */
export function parseConditions(text: string, parameter: string, escapes: FakeCwBehaviour['conditionEscapes'] = 'backslash'): Clause[] {
  const fail = (why: string): never => {
    throw badRequest(`${parameter} is invalid: ${why}`, parameter);
  };
  const clauses: Clause[] = [];
  let i = 0;
  const skip = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const word = () => {
    const m = /^[A-Za-z_][\w]*(\/[A-Za-z_][\w]*)*/.exec(text.slice(i));
    if (!m) return undefined;
    i += m[0].length;
    return m[0];
  };
  for (;;) {
    skip();
    const path = word();
    if (!path) fail(`expected a field at position ${i}`);
    skip();
    let op: Clause['op'];
    if (text.startsWith('!=', i)) {
      op = '!=';
      i += 2;
    } else if (text[i] === '=') {
      op = '=';
      i += 1;
    } else {
      const keyword = word()?.toLowerCase();
      if (keyword !== 'like' && keyword !== 'contains') return fail(`unsupported operator after "${path}"`);
      op = keyword;
    }
    skip();
    let value: Value;
    if (text[i] === '"') {
      let s = '';
      for (i++; ; i++) {
        if (i >= text.length) fail('unterminated string');
        if (escapes === 'backslash' && text[i] === '\\' && i + 1 < text.length) s += text[++i];
        else if (text[i] === '"') break;
        else s += text[i];
      }
      i++;
      value = s;
    } else {
      const m = /^(-?\d+(\.\d+)?|true|false|null)(?![\w])/i.exec(text.slice(i));
      if (!m) return fail(`expected a value for "${path}" (strings must be in double quotes)`);
      i += m[0].length;
      const raw = m[0].toLowerCase();
      value = raw === 'true' ? true : raw === 'false' ? false : raw === 'null' ? null : Number(raw);
    }
    clauses.push({ path: path!.split('/'), op, value });
    skip();
    if (i >= text.length) return clauses;
    const joiner = word();
    if (joiner?.toLowerCase() !== 'and') fail(`expected AND at position ${i} (this fake supports AND only)`);
  }
}

const likeToRegExp = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      .replace(/%/g, '.*')
      .replace(/_/g, '.')}$`,
    'is',
  );

function test(actual: unknown, clause: Clause): boolean {
  const { op, value } = clause;
  if (typeof actual === 'string' && typeof value === 'string') {
    const a = actual.toLowerCase();
    const v = value.toLowerCase();
    if (op === '=') return a === v;
    if (op === '!=') return a !== v;
    if (op === 'contains') return a.includes(v);
    return likeToRegExp(v).test(a);
  }
  if (op === '=') return (actual ?? null) === value;
  if (op === '!=') return (actual ?? null) !== value;
  return false;
}

const at = (record: unknown, path: string[]) =>
  path.reduce<unknown>((o, key) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined), record);

const matches = (record: unknown, clauses: Clause[]) => clauses.every((c) => test(at(record, c.path), c));

/** A child clause (collection/field) holds if any item of the collection matches it. Each clause is
 * checked on its own, so two clauses may be met by two different items. */
function matchesChildren(record: unknown, clauses: Clause[]): boolean {
  return clauses.every((c) => {
    const items = at(record, c.path.slice(0, 1));
    return Array.isArray(items) && items.some((item) => test(at(item, c.path.slice(1)), c));
  });
}

function checkChildPaths(clauses: Clause[], collections: string[]) {
  for (const c of clauses)
    if (c.path.length < 2 || !collections.includes(c.path[0]))
      throw badRequest(`childConditions is invalid: "${c.path.join('/')}" is not a field of ${collections.join(' or ')}`, 'childConditions');
}

// --- server -------------------------------------------------------------------------------------

/** The routes served, with the methods CW takes on each (pyconnectwise endpoints/manage: Gettable, Postable,
 * Patchable, Puttable, Deleteable); another method is a 405. A method CW takes that this fake does not
 * implement is a 404 naming the fake. */
const ROUTES = [
  { pattern: /^\/system\/info$/, methods: ['GET'] },
  { pattern: /^\/company\/companies$/, methods: ['GET', 'POST'] },
  { pattern: /^\/company\/companies\/statuses$/, methods: ['GET', 'POST'] },
  { pattern: /^\/company\/companies\/\d+$/, methods: ['GET', 'PUT', 'PATCH', 'DELETE'] },
  { pattern: /^\/company\/contacts$/, methods: ['GET', 'POST'] },
  { pattern: /^\/company\/contacts\/\d+$/, methods: ['GET', 'PUT', 'PATCH', 'DELETE'] },
  { pattern: /^\/company\/communicationTypes$/, methods: ['GET', 'POST'] },
];

const sleep = (ms: number, timers: Set<NodeJS.Timeout>) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(() => (timers.delete(timer), resolve()), ms);
    timers.add(timer);
  });

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
}

function pick(record: object, fields: string | null): unknown {
  if (!fields) return record;
  const wanted = new Set(fields.split(',').map((f) => f.trim().split('/')[0]));
  return Object.fromEntries(Object.entries(record).filter(([key]) => wanted.has(key)));
}

/** The contact fields a patch may replace, each with its check (a problem, or undefined when fine).
 * Everything else (id, company, communicationItems, unknown names, nested paths) is refused. */
const PATCHABLE_CONTACT_FIELDS = {
  firstName: (v: unknown) => (typeof v === 'string' && v.trim() ? undefined : 'may not be empty'),
  lastName: (v: unknown) => (typeof v === 'string' ? undefined : 'must be a string'),
  inactiveFlag: (v: unknown) => (typeof v === 'boolean' ? undefined : 'must be true or false'),
} satisfies Record<string, (value: unknown) => string | undefined>;

export async function startFakeConnectWise(
  opts: {
    companyId: string;
    publicKey: string;
    privateKey: string;
    clientId: string;
    /** 'fixture' (default): the amp-labs sandbox's "Email - Business"/"Email - Private"; 'plain': one "Email" type. */
    communicationTypes?: 'fixture' | 'plain';
  } & Partial<FakeCwBehaviour>,
) {
  const behaviour: FakeCwBehaviour = { deletedCompanies: opts.deletedCompanies ?? 'listed', conditionEscapes: opts.conditionEscapes ?? 'backslash' };
  const companies: FakeCwCompany[] = [];
  const contacts: FakeCwContact[] = [];
  const communicationTypes: FakeCwCommunicationType[] = (opts.communicationTypes === 'plain' ? PLAIN_COMMUNICATION_TYPES : FIXTURE_COMMUNICATION_TYPES).map(
    (t) => ({
      ...t,
    }),
  );
  const companyStatuses: FakeCwCompanyStatus[] = COMPANY_STATUSES.map((t) => ({ ...t }));
  const requests: LoggedRequest[] = [];
  const failures: Array<FakeFailure & { left: number }> = [];
  const timers = new Set<NodeJS.Timeout>();
  const expectedAuth = `Basic ${Buffer.from(`${opts.companyId}+${opts.publicKey}:${opts.privateKey}`).toString('base64')}`;
  const nextId = (rows: Array<{ id: number }>) => rows.reduce((max, r) => Math.max(max, r.id), 0) + 1;

  /** page/pageSize as CW takes them (pageSize defaults to 25, at most 1000), with a Link header. */
  function paged(req: IncomingMessage, url: URL, rows: object[]) {
    const number = (name: string, fallback: number) => {
      const raw = url.searchParams.get(name);
      if (raw === null) return fallback;
      if (!/^\d+$/.test(raw) || Number(raw) < 1) throw badRequest(`${name} must be a positive whole number.`, name, 'query');
      return Number(raw);
    };
    const page = number('page', 1);
    const pageSize = Math.min(number('pageSize', 25), 1000);
    const last = Math.max(1, Math.ceil(rows.length / pageSize));
    const link = (p: number) => {
      const target = new URL(url.pathname + url.search, `http://${req.headers.host}`);
      target.searchParams.set('pageSize', String(pageSize));
      target.searchParams.set('page', String(p));
      return `<${target}>`;
    };
    const links = [];
    if (page > 1) links.push(`${link(1)}; rel="first"`, `${link(page - 1)}; rel="prev"`);
    if (page < last) links.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
    const body = rows.slice((page - 1) * pageSize, page * pageSize).map((r) => pick(r, url.searchParams.get('fields')));
    const headers: Record<string, string> = links.length ? { Link: links.join(', ') } : {};
    return { body, headers };
  }

  function filtered<T extends object>(url: URL, rows: T[], collections: string[]): T[] {
    const conditions = url.searchParams.get('conditions');
    const childConditions = url.searchParams.get('childConditions');
    let result = rows;
    if (conditions) {
      const clauses = parseConditions(conditions, 'conditions', behaviour.conditionEscapes);
      result = result.filter((r) => matches(r, clauses));
    }
    if (childConditions) {
      const clauses = parseConditions(childConditions, 'childConditions', behaviour.conditionEscapes);
      checkChildPaths(clauses, collections);
      result = result.filter((r) => matchesChildren(r, clauses));
    }
    const orderBy = url.searchParams.get('orderBy');
    if (orderBy) {
      const m = /^([A-Za-z_]\w*(?:\/[A-Za-z_]\w*)*)(?:\s+(asc|desc))?$/i.exec(orderBy.trim());
      if (!m) throw badRequest('orderBy is invalid.', 'orderBy', 'query');
      const path = m[1].split('/');
      const sign = m[2]?.toLowerCase() === 'desc' ? -1 : 1;
      result = [...result].sort(
        (a, b) => sign * String(at(a, path) ?? '').localeCompare(String(at(b, path) ?? ''), 'en', { numeric: true, sensitivity: 'base' }),
      );
    }
    return result;
  }

  function createContact(input: unknown): FakeCwContact {
    const body = (input ?? {}) as Partial<{
      firstName: unknown;
      lastName: unknown;
      company: { id?: unknown };
      communicationItems: unknown;
      inactiveFlag: unknown;
    }>;
    const errors: FieldError[] = [];
    if (typeof body.firstName !== 'string' || !body.firstName.trim())
      errors.push({ code: 'MissingRequiredField', message: 'The firstName field is required.', resource: 'contact', field: 'firstName' });
    // A reference id may come as a number or a string (amp-labs payload-post.json sends type.id "13").
    const idOf = (ref: { id?: unknown } | undefined) =>
      typeof ref?.id === 'number' || (typeof ref?.id === 'string' && /^\d+$/.test(ref.id)) ? Number(ref.id) : undefined;
    const company =
      body.company == null ? null : companies.find((c) => c.id === idOf(body.company) && !(c.deletedFlag && behaviour.deletedCompanies === 'hidden'));
    if (body.company != null && !company) errors.push({ code: 'InvalidField', message: 'company not found', resource: 'contact', field: 'company' });
    const items: FakeCwCommunicationItem[] = [];
    for (const raw of Array.isArray(body.communicationItems) ? body.communicationItems : []) {
      const item = raw as { type?: { id?: unknown }; value?: unknown; defaultFlag?: unknown };
      const type = communicationTypes.find((t) => t.id === idOf(item.type));
      if (!type) errors.push({ code: 'InvalidField', message: 'communicationItems type not found', resource: 'contact', field: 'communicationItems/type' });
      else if (typeof item.value !== 'string' || !item.value)
        errors.push({ code: 'MissingRequiredField', message: 'The value field is required.', resource: 'contactCommunication', field: 'value' });
      // ContactCommunication.value: "Max length: 250" (pyconnectwise).
      else if (item.value.length > 250)
        errors.push({ code: 'InvalidField', message: 'value may not exceed 250 characters.', resource: 'contactCommunication', field: 'value' });
      else
        items.push({
          id: items.length + 1,
          type: { id: type.id, name: type.description },
          value: item.value,
          // CW derives this from the type; what the caller sent is ignored.
          communicationType: type.emailFlag ? 'Email' : type.phoneFlag ? 'Phone' : 'Fax',
          defaultFlag: item.defaultFlag === true,
        });
    }
    if (errors.length) throw invalid('contact', errors);
    const contact: FakeCwContact = {
      id: nextId(contacts),
      firstName: (body.firstName as string).trim(),
      lastName: typeof body.lastName === 'string' ? body.lastName : '',
      company: company ? { id: company.id, name: company.name } : null,
      inactiveFlag: body.inactiveFlag === true,
      communicationItems: items,
    };
    contacts.push(contact);
    return contact;
  }

  /** Companies as CW serves them: every one has deletedFlag and a status; deleted ones per behaviour. */
  function visibleCompanies() {
    return companies
      .filter((c) => !(c.deletedFlag && behaviour.deletedCompanies === 'hidden'))
      .map((c) => ({ ...c, deletedFlag: c.deletedFlag === true, status: c.status ?? { id: 1, name: 'Active' } }));
  }

  /** PATCH /company/contacts/{id}: a JSON Patch array, checked in full before any of it is applied. */
  function patchContact(id: number, input: unknown): FakeCwContact {
    const contact = contacts.find((c) => c.id === id);
    if (!contact) throw new CwError(404, { code: 'NotFound', message: `Contact with id ${id} not found` });
    if (!Array.isArray(input) || input.length === 0) throw badRequest('The request body must be a non-empty array of patch operations.');
    const errors: FieldError[] = [];
    const changes: Array<[field: keyof typeof PATCHABLE_CONTACT_FIELDS, value: unknown]> = [];
    for (const raw of input) {
      const operation = (raw && typeof raw === 'object' ? raw : {}) as { op?: unknown; path?: unknown; value?: unknown };
      const path = typeof operation.path === 'string' ? operation.path.replace(/^\//, '') : '';
      const field = Object.keys(PATCHABLE_CONTACT_FIELDS).find((f) => f.toLowerCase() === path.toLowerCase()) as
        keyof typeof PATCHABLE_CONTACT_FIELDS | undefined;
      if (typeof operation.op !== 'string' || operation.op.toLowerCase() !== 'replace') {
        errors.push({
          code: 'InvalidField',
          message: `Operation "${String(operation.op)}" is not supported here; only replace is.`,
          resource: 'contact',
          field: path || 'op',
        });
      } else if (!field) {
        errors.push({
          code: 'InvalidField',
          message: `"${String(operation.path)}" is not a field of contact that can be patched.`,
          resource: 'contact',
          field: String(operation.path),
        });
      } else if (!('value' in operation)) {
        errors.push({ code: 'NullOrEmpty', message: `A replace of ${field} needs a value.`, resource: 'contact', field });
      } else {
        const problem = PATCHABLE_CONTACT_FIELDS[field](operation.value);
        if (problem) errors.push({ code: 'InvalidField', message: `${field} ${problem}`, resource: 'contact', field });
        else changes.push([field, operation.value]);
      }
    }
    if (errors.length) throw invalid('contact', errors);
    for (const [field, value] of changes) (contact as unknown as Record<string, unknown>)[field] = value;
    return contact;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const path = url.pathname.startsWith(BASE_PATH) ? url.pathname.slice(BASE_PATH.length) || '/' : url.pathname;
    const body = method === 'POST' || method === 'PUT' || method === 'PATCH' ? await readBody(req).catch((e: unknown) => e) : undefined;
    requests.push({
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      ...(body instanceof CwError ? {} : body !== undefined ? { body } : {}),
      ...(req.headers.accept ? { accept: req.headers.accept } : {}),
    });

    // A failure may be aimed at one method (e.g. only the POST that creates a contact).
    const failure = failures.find((f) => (!f.method || f.method === method) && (!f.path || f.path === path));
    if (failure) {
      if (--failure.left <= 0) failures.splice(failures.indexOf(failure), 1);
      if (failure.delayMs) await sleep(failure.delayMs, timers);
      if (failure.status) {
        const headers: Record<string, string> = failure.retryAfter !== undefined ? { 'Retry-After': String(failure.retryAfter) } : {};
        return send(
          res,
          failure.status,
          failure.body ?? { code: failure.status === 429 ? 'TooManyRequests' : 'UnexpectedServerError', message: `Simulated failure (${failure.status})` },
          headers,
        );
      }
    }

    if (req.headers.authorization !== expectedAuth)
      return send(res, 401, { code: 'Unauthorized', message: 'Authentication failed: invalid company, public key or private key.' });
    if (req.headers.clientid !== opts.clientId) return send(res, 401, { code: 'Unauthorized', message: 'A valid clientId header is required.' });
    if (body instanceof CwError) throw body;
    if (!url.pathname.startsWith(`${BASE_PATH}/`)) throw new CwError(404, { code: 'NotFound', message: 'Not found' });

    const route = ROUTES.find((r) => r.pattern.test(path));
    // CW answers 405 for a method a route does not take; the body is ASP.NET Web API's (not recorded).
    if (route && !route.methods.includes(method))
      throw new CwError(405, { code: 'MethodNotAllowed', message: `The requested resource does not support http method '${method}'.` });

    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/system/info')
      return send(res, 200, { version: 'v2024.1', isCloud: false, serverTimeZone: 'Eastern Standard Time', licenseBits: [] });
    if (method === 'GET' && path === '/company/companies') {
      const page = paged(req, url, filtered(url, visibleCompanies(), ['types', 'site']));
      return send(res, 200, page.body, page.headers);
    }
    if (method === 'GET' && path === '/company/companies/statuses') {
      const page = paged(req, url, filtered(url, companyStatuses, []));
      return send(res, 200, page.body, page.headers);
    }
    if (method === 'GET' && (m = /^\/company\/companies\/(\d+)$/.exec(path))) {
      const company = visibleCompanies().find((c) => c.id === Number(m![1]));
      if (!company) throw new CwError(404, { code: 'NotFound', message: `Company with id ${m[1]} not found` });
      return send(res, 200, pick(company, url.searchParams.get('fields')));
    }
    if (method === 'GET' && path === '/company/contacts') {
      const page = paged(req, url, filtered(url, contacts, ['communicationItems', 'types']));
      return send(res, 200, page.body, page.headers);
    }
    if (method === 'POST' && path === '/company/contacts') return send(res, 201, createContact(body));
    if (method === 'PATCH' && (m = /^\/company\/contacts\/(\d+)$/.exec(path))) return send(res, 200, patchContact(Number(m[1]), body));
    if (method === 'GET' && path === '/company/communicationTypes') {
      const page = paged(req, url, filtered(url, communicationTypes, []));
      return send(res, 200, page.body, page.headers);
    }
    throw new CwError(404, { code: 'NotFound', message: `${method} ${path} is not a route of this fake` });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof CwError) send(res, error.status, error.body);
      else send(res, 500, { code: 'UnexpectedServerError', message: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${BASE_PATH}`,
    companies,
    contacts,
    communicationTypes,
    companyStatuses,
    behaviour,
    requests,
    /** The next `times` requests (default 1), whatever they are, wait delayMs and/or answer status. */
    /** Forgets failures not yet used, so one test's leftovers do not reach the next. */
    clearFailures() {
      failures.length = 0;
    },
    failNext(spec: FakeFailure) {
      failures.push({ ...spec, left: spec.times ?? 1 });
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type FakeConnectWise = Awaited<ReturnType<typeof startFakeConnectWise>>;
