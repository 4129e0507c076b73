// A stand-in for Autotask's REST API 1.0 on loopback, built from the vendor's published definition:
// - paths, methods and auth headers (ApiIntegrationCode, UserName, Secret): the REST swagger,
//   panoramicdata/AutoTask.Psa.Api swagger.v1.json (POST /V1.0/{Entity}/query, GET /V1.0/{Entity}/{id},
//   POST and PATCH /V1.0/Companies/{parentId}/Contacts, GET /V1.0/{Entity}/entityInformation[/fields]);
// - models: aenichols/ATREST-CSharp-Client src/IO.Swagger/Model (ContactModel: isActive an integer;
//   CompanyModel: isActive a boolean; QueryModel/Filter; PagingModel pageDetails; OperationResultModel
//   {itemId}; FieldInformationModel {name, dataType, length, isRequired, ...});
// - contact field lengths and required flags: ecitsolutions/Autotask Functions/New-AtwsContact.ps1
//   (generated from the same entity's SOAP getFieldInfo): firstName/lastName required, 50; email 254; phone 25;
// - a POST query's nextPageUrl answers GET with 405 {"Message": "The requested resource does not support
//   http method 'GET'."} and must be POSTed with the same body: a live reproduction in WYRE-AI/autotask-mcp#170;
// - a query without a filter: 500 {"errors":["Value cannot be null.\r\nParameter name: filters"]}
//   (a live body quoted in Servosity/msp-skills#257);
// - the thread limit: three requests in flight per endpoint and integration code (Autotask developer help,
//   APIs/General/ThreadLimiting.htm), refused with "Thread Threshold Exceeded" (wording quoted in
//   msoukhomlinov/n8n-nodes-autotask PR #107).
// Not settled by any source, so the fake offers both readings as options: whether string comparisons
// are case-insensitive (caseSensitiveText), and the HTTP status of the thread-limit refusal
// (threadLimitStatus: 429 or 500). Also not settled: the exact error texts for a missing or too-long
// field, and whether a child-collection call (Companies/10/Contacts) counts against Companies or
// Contacts (the fake counts it against both, the stricter reading). Injected failures (status,
// Retry-After, delay) come from ./failure.ts.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FailureSpec } from './failure.js';

export interface FakeAutotaskContact {
  id: number;
  companyID: number;
  firstName: string;
  lastName: string;
  emailAddress: string | null;
  emailAddress2: string | null;
  emailAddress3: string | null;
  phone: string | null;
  isActive: number;
}

export interface FakeAutotaskCompany {
  id: number;
  companyName: string;
  /** A boolean on Companies (CompanyModel.cs); true when left out. */
  isActive?: boolean;
}

/** One entry of GET /Contacts/entityInformation/fields (FieldInformationModel.cs), the fields the fake knows. */
export interface FakeFieldInformation {
  name: string;
  dataType: string;
  length: number;
  isRequired: boolean;
  isReadOnly: boolean;
  isQueryable: boolean;
  isReference: boolean;
  referenceEntityType: string;
  isPickList: boolean;
  picklistValues: null;
  picklistParentValueField: string;
  isSupportedWebhookField: boolean;
}

const field = (name: string, dataType: string, length: number, isRequired = false, extra: Partial<FakeFieldInformation> = {}): FakeFieldInformation => ({
  name,
  dataType,
  length,
  isRequired,
  isReadOnly: false,
  isQueryable: true,
  isReference: false,
  referenceEntityType: '',
  isPickList: false,
  picklistValues: null,
  picklistParentValueField: '',
  isSupportedWebhookField: false,
  ...extra,
});

/** The Contacts fields as New-AtwsContact.ps1 gives them (REST names from ContactModel.cs). */
export const contactFieldInformation = (): FakeFieldInformation[] => [
  field('id', 'long', 0, true, { isReadOnly: true }),
  field('companyID', 'integer', 0, true, { isReference: true, referenceEntityType: 'Company' }),
  field('firstName', 'string', 50, true),
  field('lastName', 'string', 50, true),
  field('emailAddress', 'string', 254),
  field('emailAddress2', 'string', 254),
  field('emailAddress3', 'string', 254),
  field('phone', 'string', 25),
  field('isActive', 'integer', 0, true),
];

const THREAD_LIMIT_TEXT = 'Thread Threshold Exceeded — The Autotask API thread threshold of 3 threads has been exceeded.';

export interface FakeAutotaskRequest {
  method: string;
  /** Path as sent, e.g. /atservicesrest/v1.0/Contacts/query */
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: unknown;
  at: number;
}

export type { FailureSpec } from './failure.js';

export interface FakeAutotask {
  /** Zone base as zoneInformation reports it (without the trailing slash). */
  url: string;
  /** The global lookup endpoint; served under a different prefix so a client cannot confuse it with the zone. */
  zoneLookupUrl: string;
  companies: FakeAutotaskCompany[];
  contacts: FakeAutotaskContact[];
  requests: FakeAutotaskRequest[];
  /** Records per page (Autotask's own maximum is 500); MaxRecords in a query can lower it. */
  pageSize: number;
  /** What GET /Contacts/entityInformation/fields answers, and what a contact create or update is checked against. */
  contactFields: FakeFieldInformation[];
  /** One reading of the unsettled collation: eq/contains/... compare text exactly (default false: case-insensitively). */
  caseSensitiveText: boolean;
  /** Requests in flight per endpoint and integration code beyond which Autotask refuses (3). */
  threadLimit: number;
  /** The status of the thread-limit refusal, not settled by any source: 500 (default) or 429. */
  threadLimitStatus: number;
  /** Every request takes at least this long (so concurrency shows). */
  latencyMs: number;
  /** The most requests that were in flight at once, per endpoint (lower-case entity name). */
  peakInFlight: Record<string, number>;
  failNext(spec: FailureSpec): void;
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Autotask's own {"errors": [...]}, or the ASP.NET layer's {"Message": "..."}. */
    readonly shape: 'errors' | 'Message' = 'errors',
  ) {
    super(message);
  }
}

// The fields each entity can be filtered on; anything else is refused the way Autotask refuses it.
const FIELDS: Record<string, string[]> = {
  contacts: ['id', 'companyID', 'firstName', 'lastName', 'emailAddress', 'emailAddress2', 'emailAddress3', 'phone', 'isActive'],
  companies: ['id', 'companyName', 'isActive'],
};

type Row = Record<string, unknown>;
type Condition = { op?: unknown; field?: unknown; value?: unknown; items?: unknown };

/** Turns one filter item into a predicate, validating as it goes (so a bad filter fails even with no rows). */
function compile(entity: string, condition: Condition, caseSensitive: boolean): (row: Row) => boolean {
  const fold = (v: string) => (caseSensitive ? v : v.toLowerCase());
  const norm = (v: unknown) => (typeof v === 'string' ? fold(v) : typeof v === 'boolean' ? Number(v) : v);
  if (!condition || typeof condition !== 'object') throw new ApiError(400, 'Each filter item must be an object.');
  const op = typeof condition.op === 'string' ? condition.op.toLowerCase() : '';
  if (op === 'and' || op === 'or') {
    if (!Array.isArray(condition.items) || condition.items.length === 0)
      throw new ApiError(400, `The '${condition.op}' operator requires a non-empty items array.`);
    const parts = condition.items.map((item) => compile(entity, item as Condition, caseSensitive));
    return op === 'and' ? (row) => parts.every((p) => p(row)) : (row) => parts.some((p) => p(row));
  }
  const fieldName = FIELDS[entity].find((f) => typeof condition.field === 'string' && f.toLowerCase() === condition.field.toLowerCase());
  if (!fieldName) throw new ApiError(400, `Unable to find ${String(condition.field)} in the ${entity} entity.`);
  const want = norm(condition.value);
  const have = (row: Row) => norm(row[fieldName]);
  const text = (row: Row) => (typeof row[fieldName] === 'string' ? fold(row[fieldName] as string) : undefined);
  const needle = typeof condition.value === 'string' ? fold(condition.value) : undefined;
  const needsText = () => {
    if (needle === undefined) throw new ApiError(400, `The '${condition.op}' operator requires a string value.`);
    return needle;
  };
  // String comparisons follow caseSensitiveText: no source says which Autotask does.
  switch (op) {
    case 'eq':
      return (row) => have(row) === want;
    case 'noteq':
      return (row) => have(row) !== want;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return (row) => {
        const a = have(row) as number | string;
        const b = want as number | string;
        if (a === null || a === undefined) return false;
        return op === 'gt' ? a > b : op === 'gte' ? a >= b : op === 'lt' ? a < b : a <= b;
      };
    case 'contains': {
      const n = needsText();
      return (row) => text(row)?.includes(n) ?? false;
    }
    case 'beginswith': {
      const n = needsText();
      return (row) => text(row)?.startsWith(n) ?? false;
    }
    case 'endswith': {
      const n = needsText();
      return (row) => text(row)?.endsWith(n) ?? false;
    }
    case 'exist':
      return (row) => row[fieldName] !== null && row[fieldName] !== undefined && row[fieldName] !== '';
    case 'notexist':
      return (row) => row[fieldName] === null || row[fieldName] === undefined || row[fieldName] === '';
    case 'in':
    case 'notin': {
      if (!Array.isArray(condition.value)) throw new ApiError(400, `The '${condition.op}' operator requires an array value.`);
      const set = condition.value.map(norm);
      return (row) => set.includes(have(row)) === (op === 'in');
    }
    default:
      throw new ApiError(400, `Invalid filter operator '${String(condition.op)}'.`);
  }
}

/** The endpoints a request counts against for the thread limit: its entity, and a child collection's entity too. */
function endpointsOf(pathname: string): string[] {
  const rest = /^\/atservicesrest\/v1\.0\/(.+)$/i.exec(pathname)?.[1];
  if (!rest || /^zoneinformation/i.test(rest)) return [];
  const [entity, id, child] = rest.toLowerCase().split('/');
  return id && /^\d+$/.test(id) && child ? [entity!, child] : [entity!];
}

/** Reads a key of the search object case-insensitively (Autotask accepts MaxRecords and maxRecords). */
const prop = (search: Row, name: string) => Object.entries(search).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];

export async function startFakeAutotask(opts: {
  username: string;
  secret: string;
  integrationCode: string;
  pageSize?: number;
  caseSensitiveText?: boolean;
  threadLimitStatus?: number;
}): Promise<FakeAutotask> {
  const companies: FakeAutotaskCompany[] = [];
  const contacts: FakeAutotaskContact[] = [];
  const requests: FakeAutotaskRequest[] = [];
  const failures: FailureSpec[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Map<string, number>();
  let origin = '';

  const fake: FakeAutotask = {
    url: '',
    zoneLookupUrl: '',
    companies,
    contacts,
    requests,
    pageSize: opts.pageSize ?? 500,
    contactFields: contactFieldInformation(),
    caseSensitiveText: opts.caseSensitiveText ?? false,
    threadLimit: 3,
    threadLimitStatus: opts.threadLimitStatus ?? 500,
    latencyMs: 0,
    peakInFlight: {},
    failNext(spec) {
      for (let i = 0; i < (spec.times ?? 1); i++) failures.push(spec);
    },
    async close() {
      timers.forEach(clearTimeout);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    // A delayed answer to a client that already gave up has nowhere to go.
    if (res.destroyed || res.writableEnded) return;
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };

  const authenticate = (headers: IncomingMessage['headers']) => {
    // Node lower-cases header names; Autotask treats them case-insensitively too.
    if (headers['apiintegrationcode'] !== opts.integrationCode || headers['username'] !== opts.username || headers['secret'] !== opts.secret) {
      throw new ApiError(401, 'User is not authenticated. Check the ApiIntegrationCode, UserName and Secret headers.');
    }
  };

  /** A value Autotask refuses: a required field empty, or text longer than the field (the wording is the fake's own). */
  const checkField = (name: string, value: unknown) => {
    const info = fake.contactFields.find((f) => f.name === name);
    if (!info) return;
    if (info.isRequired && (value === undefined || value === null || value === '')) throw new ApiError(500, `Missing Required Field: ${name}`);
    if (info.dataType === 'string' && typeof value === 'string' && info.length > 0 && value.length > info.length)
      throw new ApiError(500, `Value for field ${name} exceeds the maximum length of ${info.length}.`);
  };

  const rowsOf = (entity: string): Row[] => (entity === 'contacts' ? contacts : companies) as unknown as Row[];

  /** One page of a query: rows after `lastId`, ordered by id, with an absolute link to the next page. */
  function page(entityPath: string, search: Row, lastId: number) {
    const entity = entityPath.toLowerCase();
    const filter = prop(search, 'filter');
    if (!Array.isArray(filter) || filter.length === 0) throw new ApiError(500, 'Value cannot be null.\r\nParameter name: filters');
    const predicates = filter.map((c) => compile(entity, c as Condition, fake.caseSensitiveText));
    const maxRecords = prop(search, 'MaxRecords');
    if (maxRecords !== undefined && (typeof maxRecords !== 'number' || maxRecords < 1 || maxRecords > 500))
      throw new ApiError(400, 'MaxRecords must be between 1 and 500.');
    const size = Math.min((maxRecords as number | undefined) ?? 500, fake.pageSize);
    const matching = rowsOf(entity)
      .filter((row) => predicates.every((p) => p(row)))
      .sort((a, b) => (a.id as number) - (b.id as number));
    const remaining = matching.filter((row) => (row.id as number) > lastId);
    const items = remaining.slice(0, size);
    const more = remaining.length > size;
    // The link carries the position only: the filter comes again in the body of the POST that follows it.
    const link = (paging: object) => `${origin}/atservicesrest/V1.0/${entityPath}/query/next?paging=${encodeURIComponent(JSON.stringify(paging))}`;
    return {
      items,
      pageDetails: {
        count: items.length,
        requestCount: size,
        prevPageUrl: lastId > 0 ? link({ pageSize: size, lastId: 0 }) : null,
        nextPageUrl: more ? link({ pageSize: size, lastId: items[items.length - 1].id }) : null,
      },
    };
  }

  function route(method: string, path: string, query: URLSearchParams, headers: IncomingMessage['headers'], body: unknown): unknown {
    const lower = path.toLowerCase().replace(/\/+$/, '');
    // Zone lookup lives on the global host (here: its own prefix) and needs only the user name.
    if (method === 'GET' && lower.endsWith('/v1.0/zoneinformation')) {
      if (query.get('user')?.toLowerCase() !== opts.username.toLowerCase()) throw new ApiError(500, 'Zone information could not be determined for this user.');
      return { zoneName: 'Fake Zone (loopback)', url: `${fake.url}/`, webUrl: `${origin}/`, ci: 1 };
    }
    const api = /^\/atservicesrest\/v1\.0\/(.+)$/i.exec(path.replace(/\/+$/, ''));
    if (!api) throw new ApiError(404, `No resource at ${path}.`);
    authenticate(headers);
    const rest = api[1];
    let m: RegExpExecArray | null;

    if (method === 'GET' && /^companies\/entityinformation$/i.test(rest)) {
      return {
        info: {
          name: 'Company',
          canCreate: true,
          canDelete: false,
          canQuery: true,
          canUpdate: true,
          hasUserDefinedFields: true,
          supportsWebhookCallouts: true,
        },
      };
    }
    if (method === 'POST' && (m = /^(Contacts|Companies)\/query$/i.exec(rest))) {
      if (!body || typeof body !== 'object') throw new ApiError(400, 'The request body must be a JSON search object.');
      return page(m[1], body as Row, 0);
    }
    if ((m = /^(Contacts|Companies)\/query\/next$/i.exec(rest))) {
      // The ASP.NET layer answers a wrong method itself, in its own shape (not an errors array).
      if (method !== 'POST') throw new ApiError(405, "The requested resource does not support http method 'GET'.", 'Message');
      let paging: { lastId: number };
      try {
        paging = JSON.parse(query.get('paging') ?? '') as { lastId: number };
      } catch {
        throw new ApiError(400, 'Invalid paging parameters.');
      }
      return page(m[1], (body && typeof body === 'object' ? body : {}) as Row, paging.lastId);
    }
    if (method === 'GET' && /^contacts\/entityinformation\/fields$/i.test(rest)) return { fields: fake.contactFields };
    if (method === 'GET' && (m = /^(Contacts|Companies)\/(\d+)$/i.exec(rest))) {
      // A missing id is not a 404 in Autotask: the item is simply null.
      return { item: rowsOf(m[1].toLowerCase()).find((r) => r.id === Number(m![2])) ?? null };
    }
    if (method === 'POST' && (m = /^Companies\/(\d+)\/Contacts$/i.exec(rest))) {
      const companyId = Number(m[1]);
      const input = (body && typeof body === 'object' ? body : {}) as Partial<FakeAutotaskContact>;
      // Autotask reports business-rule failures on create as 500 with an errors array.
      if (!companies.some((c) => c.id === companyId)) throw new ApiError(500, `Company ${companyId} does not exist.`);
      if (input.companyID !== undefined && Number(input.companyID) !== companyId) throw new ApiError(500, 'companyID does not match the parent company.');
      for (const key of Object.keys(input)) {
        if (!FIELDS.contacts.some((f) => f.toLowerCase() === key.toLowerCase())) throw new ApiError(500, `Unable to find ${key} in the contacts entity.`);
      }
      for (const info of fake.contactFields) {
        if (info.name === 'id' || info.name === 'companyID') continue;
        const value = (input as Row)[info.name];
        checkField(info.name, value);
      }
      const id = Math.max(30_000_000, ...contacts.map((c) => c.id)) + 1;
      contacts.push({
        id,
        companyID: companyId,
        firstName: String(input.firstName),
        lastName: String(input.lastName),
        emailAddress: input.emailAddress ?? null,
        emailAddress2: input.emailAddress2 ?? null,
        emailAddress3: input.emailAddress3 ?? null,
        phone: input.phone ?? null,
        isActive: Number(input.isActive),
      });
      return { itemId: id };
    }
    if (method === 'PATCH' && (m = /^Companies\/(\d+)\/Contacts$/i.exec(rest))) {
      const companyId = Number(m[1]);
      const input = (body && typeof body === 'object' && !Array.isArray(body) ? body : undefined) as Row | undefined;
      if (!input) throw new ApiError(400, 'The request body must be a JSON object.');
      if (typeof input.id !== 'number' || !Number.isInteger(input.id)) throw new ApiError(500, 'Missing Required Field: id');
      if (!companies.some((c) => c.id === companyId)) throw new ApiError(500, `Company ${companyId} does not exist.`);
      const target = contacts.find((c) => c.id === input.id && c.companyID === companyId);
      // Autotask reports an id it cannot find under the parent as a 500 with an errors array.
      if (!target) throw new ApiError(500, `Unable to find Contact with id ${input.id} under Company ${companyId}.`);
      // Only the fields sent change; every field is checked before any is written.
      const changes: Array<[string, unknown]> = [];
      for (const [key, value] of Object.entries(input)) {
        if (key === 'id') continue;
        const field = FIELDS.contacts.find((f) => f.toLowerCase() === key.toLowerCase());
        if (!field || field === 'id') throw new ApiError(500, `Unable to find ${key} in the contacts entity.`);
        if (field === 'companyID' && Number(value) !== companyId) throw new ApiError(500, 'companyID does not match the parent company.');
        checkField(field, value);
        changes.push([field, value]);
      }
      for (const [field, value] of changes) (target as unknown as Row)[field] = value;
      return { itemId: target.id };
    }
    throw new ApiError(404, `No resource at ${method} ${path}.`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const target = new URL(req.url ?? '/', origin);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return send(res, 400, { errors: ['The request body is not valid JSON.'] });
    }
    requests.push({
      method: req.method ?? '',
      path: target.pathname,
      query: Object.fromEntries(target.searchParams),
      headers: req.headers,
      body,
      at: Date.now(),
    });

    // Thread limit: the zone lookup is exempt; everything else counts per integration code and endpoint.
    const keys = endpointsOf(target.pathname).map((endpoint) => ({ endpoint, key: `${String(req.headers['apiintegrationcode'] ?? '')} ${endpoint}` }));
    if (keys.some(({ key }) => (inFlight.get(key) ?? 0) >= fake.threadLimit)) return send(res, fake.threadLimitStatus, { errors: [THREAD_LIMIT_TEXT] });
    for (const { endpoint, key } of keys) {
      inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
      fake.peakInFlight[endpoint] = Math.max(fake.peakInFlight[endpoint] ?? 0, inFlight.get(key)!);
    }
    try {
      await answer(req, res, target, body);
    } finally {
      for (const { key } of keys) inFlight.set(key, inFlight.get(key)! - 1);
    }
  }

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  async function answer(req: IncomingMessage, res: ServerResponse, target: URL, body: unknown) {
    // The first queued failure aimed at this request (by method and path, when the spec names them) applies.
    const index = failures.findIndex((f) => (!f.method || f.method.toUpperCase() === req.method) && (!f.path || f.path === target.pathname));
    const failure = index >= 0 ? failures.splice(index, 1)[0] : undefined;
    if (fake.latencyMs) await wait(fake.latencyMs);
    if (failure?.delayMs) await wait(failure.delayMs);
    if (failure?.status) {
      const headers: Record<string, string> = failure.retryAfter === undefined ? {} : { 'Retry-After': String(failure.retryAfter) };
      return send(res, failure.status, failure.body ?? { errors: [`Injected failure (HTTP ${failure.status}).`] }, headers);
    }
    try {
      send(res, 200, route(req.method ?? 'GET', target.pathname, target.searchParams, req.headers, body));
    } catch (error) {
      if (error instanceof ApiError) send(res, error.status, error.shape === 'Message' ? { Message: error.message } : { errors: [error.message] });
      else send(res, 500, { errors: [(error as Error).message] });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => send(res, 500, { errors: [String(error)] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.url = `${origin}/atservicesrest`;
  fake.zoneLookupUrl = `${origin}/global/atservicesrest/v1.0/zoneInformation`;
  return fake;
}
