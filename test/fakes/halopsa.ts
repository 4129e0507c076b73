// A HaloPSA stand-in on loopback, rebuilt from Halo's published definitions (not from the adapter):
//
// - [SWG] the Halo swagger ("Halo API", OpenAPI 3.0.1, servers `/api`) as published in
//   redanthrax/halopsa-node `swagger.json` @ d23ab84a73affa16ba65d11d09dd9bd0c4396eb8: paths `/AuthInfo`
//   (GET, no schema), `/Users` (GET → `Users_View` = {page_no, page_size, record_count, users: Users_List[]};
//   POST takes an ARRAY of `Users` and answers 201 with ONE `Users`), `/Users/{id}` (GET → `Users`, 404).
// - [HAPI] homotechsual/HaloAPI @ 0a42760ca38ccd7d911e8d0a3ce866c1d5d69f30: `Public/Connect-HaloAPI.ps1`
//   (GET api/authinfo → `auth_url` + "/token", `?tenant=` from the configured tenant else `tenant_id`,
//   fallback `<root>/auth/token`; form-encoded client-credentials body), `Public/Get/Get-HaloUser.ps1`
//   (`-FullObjects` re-fetches every list row by id: list rows are partial), `Private/New-HaloGETRequest.ps1`
//   (list wrappers `{record_count, <resource>s}`), `Data/Templates/User.json`, `Site.json`, `Client.json`
//   (users: emailaddress/email2/email3, inactive, sendwelcomeemail; sites: client_id, inactive, NO main-site
//   flag; clients: inactive, main_site_id).
//
// Not settled by any source, so offered both ways (FakeHaloOptions) and the tests exercise both readings:
// - whether list rows carry email2/email3 ([SWG] `Users_List` declares them, [HAPI] re-fetches rows because
//   they are partial): left out by default;
// - whether `search` is case-sensitive ("like your search string"; SQL Server's usual collation is not):
//   case-insensitive by default;
// - whether lists show inactive records unless asked ([HAPI] has -IncludeInactive switches): hidden by default;
// - whether Halo sends its welcome mail when `sendwelcomeemail` is omitted: the fake assumes it does;
// - whether POST answers one object or an array: one object for a one-item POST ([SWG]), or an array on request;
// - which fields `search` covers: name, emailaddress, email2 and email3 here.
// The error body shape is not settled either; the fake answers .NET-style {ClassName, Message} and OAuth's
// {error, error_description}, and refuses wrong methods with 405, a POST body that is not an array and a
// create without an existing site with 400, an update of an unknown user id with 404.
// Tests seed the arrays, read the request log, and inject failures with failNext().
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { FailureSpec } from './failure.js';

export interface FakeHaloClient {
  id: number;
  name: string;
  inactive?: boolean;
  main_site_id?: number;
}

export interface FakeHaloSite {
  id: number;
  name: string;
  client_id: number;
  inactive?: boolean;
}

export interface FakeHaloUser {
  id: number;
  name: string;
  firstname: string;
  surname: string;
  emailaddress: string;
  email2?: string;
  email3?: string;
  site_id: number;
  /** Left out to model records that carry only their site. */
  client_id?: number;
  client_name?: string;
  inactive: boolean;
  phonenumber?: string;
  sendwelcomeemail?: boolean;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  body: unknown;
}

export type { FailureSpec } from './failure.js';

export interface FakeHaloOptions {
  clientId: string;
  clientSecret: string;
  /** A hosted instance: the token request must name this tenant. */
  tenant?: string;
  /** Where the authorisation server answers (default "/auth"); its token endpoint is `<authPath>/token`. */
  authPath?: string;
  /** Older instances have no /api/authinfo: it answers 404. */
  noAuthInfo?: boolean;
  /** Whether /api/authinfo names the tenant as `tenant_id` (default: when `tenant` is set). */
  authInfoTenant?: boolean;
  /** The other reading of Users_List: rows carry email2/email3. */
  listRowsCarrySecondaryEmails?: boolean;
  /** The other reading of `search`: case-sensitive. */
  caseSensitiveSearch?: boolean;
  /** The other reading of the lists: inactive records are listed unless includeinactive=false. */
  inactiveListedByDefault?: boolean;
  /** Answer a one-item POST with an array holding the record. */
  postAnswersArray?: boolean;
}

export interface FakeHaloPsa {
  url: string;
  clients: FakeHaloClient[];
  sites: FakeHaloSite[];
  users: FakeHaloUser[];
  requests: LoggedRequest[];
  readonly tokensIssued: number;
  /** Addresses Halo sent its own welcome mail to (a created user without sendwelcomeemail=false). */
  welcomeEmails: string[];
  failNext(spec: FailureSpec): void;
  clearFailures(): void;
  expireTokens(): void;
  close(): Promise<void>;
}

const TOKEN_LIFETIME_S = 3600;
// [SWG] Users_List: the fields a list row may carry; which of them a real row holds is not settled.
const LIST_ROW_FIELDS = ['id', 'name', 'site_id', 'client_id', 'client_name', 'firstname', 'surname', 'emailaddress', 'phonenumber', 'inactive'] as const;
const USER_WRITABLE_FIELDS = ['name', 'firstname', 'surname', 'emailaddress', 'email2', 'email3', 'phonenumber', 'inactive', 'sendwelcomeemail'] as const;

export async function startFakeHaloPsa(opts: FakeHaloOptions): Promise<FakeHaloPsa> {
  const clients: FakeHaloClient[] = [];
  const sites: FakeHaloSite[] = [];
  const users: FakeHaloUser[] = [];
  const requests: LoggedRequest[] = [];
  const welcomeEmails: string[] = [];
  const failures: Array<FailureSpec & { left: number }> = [];
  const validTokens = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  const authPath = (opts.authPath ?? '/auth').replace(/\/+$/, '');
  let tokensIssued = 0;

  const send = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
    if (res.destroyed || res.headersSent) return; // the client gave up (timeout test)
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const type = typeof body === 'string' ? 'text/plain' : 'application/json';
    res.writeHead(status, { ...(text ? { 'Content-Type': type } : {}), ...headers }).end(text);
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });
  const notFound = (res: ServerResponse, what: string) => send(res, 404, { ClassName: 'HaloNotFoundException', Message: `${what} not found` });
  const invalid = (res: ServerResponse, message: string) => send(res, 400, { ClassName: 'HaloValidationException', Message: message });
  const notAllowed = (res: ServerResponse, allow: string) => send(res, 405, undefined, { Allow: allow });

  const readBody = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (!text) return undefined;
    if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };

  /** Halo's list paging: pageinate=true with page_size/page_no, else an optional count cap. */
  const page = <T>(items: T[], q: URLSearchParams): { page: T[]; extra: Record<string, number> } => {
    if (q.get('pageinate') === 'true') {
      const size = Number(q.get('page_size') ?? 50);
      const no = Number(q.get('page_no') ?? 1);
      return { page: items.slice((no - 1) * size, no * size), extra: { page_no: no, page_size: size } };
    }
    const count = Number(q.get('count') ?? 0);
    return { page: count > 0 ? items.slice(0, count) : items, extra: {} };
  };

  const activeFilter = (q: URLSearchParams) => (item: { inactive?: boolean }) => {
    if (!item.inactive) return q.get('includeactive') !== 'false';
    return opts.inactiveListedByDefault ? q.get('includeinactive') !== 'false' : q.get('includeinactive') === 'true';
  };
  const like = (value: string | undefined, search: string) => {
    if (!value) return false;
    return opts.caseSensitiveSearch ? value.includes(search) : value.toLowerCase().includes(search.toLowerCase());
  };

  const clientName = (id: number | undefined) => clients.find((c) => c.id === id)?.name;
  const listRow = (user: FakeHaloUser) => {
    const fields: readonly string[] = opts.listRowsCarrySecondaryEmails ? [...LIST_ROW_FIELDS, 'email2', 'email3'] : LIST_ROW_FIELDS;
    return Object.fromEntries(Object.entries(user).filter(([key]) => fields.includes(key)));
  };

  function authInfo(res: ServerResponse, req: IncomingMessage, root: string) {
    if (req.method !== 'GET') return notAllowed(res, 'GET');
    if (opts.noAuthInfo) return notFound(res, 'Resource');
    const withTenant = opts.authInfoTenant ?? opts.tenant !== undefined;
    send(res, 200, { auth_url: `${root}${authPath}`, ...(withTenant && opts.tenant !== undefined ? { tenant_id: opts.tenant } : {}) });
  }

  function token(res: ServerResponse, q: URLSearchParams, body: unknown) {
    const form = (body ?? {}) as Record<string, string>;
    if (opts.tenant !== undefined && q.get('tenant') !== opts.tenant) {
      return send(res, 400, { error: 'invalid_request', error_description: 'Unknown or missing tenant' });
    }
    if (form.grant_type !== 'client_credentials') return send(res, 400, { error: 'unsupported_grant_type' });
    if (form.client_id !== opts.clientId || form.client_secret !== opts.clientSecret) return send(res, 401, { error: 'invalid_client' });
    const accessToken = randomUUID();
    validTokens.add(accessToken);
    tokensIssued++;
    send(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: TOKEN_LIFETIME_S, scope: form.scope ?? 'all' });
  }

  function postUsers(res: ServerResponse, body: unknown) {
    if (!Array.isArray(body)) return invalid(res, 'Expected an array of users');
    const items = body as Array<Partial<Omit<FakeHaloUser, 'id'>> & { id?: unknown }>;
    // Each item with an id updates that user; one without creates a user. Everything is checked
    // before anything is written, so a bad item leaves the store as it was.
    for (const item of items) {
      if (item.id !== undefined && item.id !== null) {
        if (!users.some((u) => String(u.id) === String(item.id))) return notFound(res, `User ${String(item.id)}`);
        if (item.site_id !== undefined && !sites.some((s) => s.id === item.site_id)) return invalid(res, `Site ${item.site_id} does not exist`);
      } else if (!sites.some((s) => s.id === item.site_id)) {
        return invalid(res, `Site ${item.site_id} does not exist`);
      }
    }
    const saved: FakeHaloUser[] = [];
    for (const item of items) {
      if (item.id !== undefined && item.id !== null) {
        // Only the fields sent change.
        const user = users.find((u) => String(u.id) === String(item.id))!;
        for (const field of USER_WRITABLE_FIELDS) if (item[field] !== undefined) Object.assign(user, { [field]: item[field] });
        if (item.site_id !== undefined) {
          const site = sites.find((s) => s.id === item.site_id)!;
          Object.assign(user, { site_id: site.id, client_id: site.client_id, client_name: clientName(site.client_id) });
        }
        saved.push(user);
        continue;
      }
      const site = sites.find((s) => s.id === item.site_id)!;
      const user: FakeHaloUser = {
        id: Math.max(0, ...users.map((u) => u.id)) + 1,
        name: item.name ?? `${item.firstname ?? ''} ${item.surname ?? ''}`.trim(),
        firstname: item.firstname ?? '',
        surname: item.surname ?? '',
        emailaddress: item.emailaddress ?? '',
        phonenumber: item.phonenumber,
        site_id: site.id,
        client_id: site.client_id,
        client_name: clientName(site.client_id),
        inactive: false,
        ...(item.sendwelcomeemail !== undefined ? { sendwelcomeemail: item.sendwelcomeemail } : {}),
      };
      // The default when the field is left out is not documented: assume the worst, a welcome mail.
      if (item.sendwelcomeemail !== false && user.emailaddress) welcomeEmails.push(user.emailaddress);
      users.push(user);
      saved.push(user);
    }
    // [SWG] 201 with one `Users` for the (one-item) array that was posted.
    const answer = saved.length === 1 && !opts.postAnswersArray ? saved[0] : saved;
    return send(res, 201, answer);
  }

  function api(req: IncomingMessage, res: ServerResponse, path: string, q: URLSearchParams, body: unknown) {
    const method = req.method ?? 'GET';
    const [, , resource, id, ...rest] = path.split('/'); // "", "api", resource, id
    const key = resource?.toLowerCase();
    if (rest.length) return notFound(res, 'Resource');

    if (key === 'users' && id) {
      if (method !== 'GET' && method !== 'DELETE') return notAllowed(res, 'GET, DELETE');
      const user = users.find((u) => String(u.id) === id);
      return user ? send(res, 200, user) : notFound(res, 'User');
    }
    if (key === 'users') {
      if (method === 'POST') return postUsers(res, body);
      if (method !== 'GET') return notAllowed(res, 'GET, POST');
      const search = q.get('search') ?? '';
      const found = users
        .filter(activeFilter(q))
        .filter((u) => !search || [u.name, u.emailaddress, u.email2, u.email3].some((v) => like(v, search)))
        .filter((u) => !q.get('client_id') || String(u.client_id ?? sites.find((s) => s.id === u.site_id)?.client_id) === q.get('client_id'));
      const { page: items, extra } = page(found, q);
      return send(res, 200, { ...extra, record_count: found.length, users: items.map(listRow) });
    }
    if (key === 'client' && id) {
      if (method !== 'GET' && method !== 'DELETE') return notAllowed(res, 'GET, DELETE');
      const client = clients.find((c) => String(c.id) === id);
      return client ? send(res, 200, { ...client, main_site_name: sites.find((s) => s.id === client.main_site_id)?.name }) : notFound(res, 'Client');
    }
    if (key === 'client') {
      if (method !== 'GET' && method !== 'POST') return notAllowed(res, 'GET, POST');
      if (method === 'POST') return invalid(res, 'Creating clients is not modelled by this fake');
      const search = q.get('search') ?? '';
      const found = clients.filter(activeFilter(q)).filter((c) => like(c.name, search));
      const { page: items, extra } = page(found, q);
      return send(res, 200, { ...extra, record_count: found.length, clients: items });
    }
    if (key === 'site' && id) {
      if (method !== 'GET' && method !== 'DELETE') return notAllowed(res, 'GET, DELETE');
      const site = sites.find((s) => String(s.id) === id);
      return site ? send(res, 200, { ...site, client_name: clientName(site.client_id) }) : notFound(res, 'Site');
    }
    if (key === 'site') {
      if (method !== 'GET' && method !== 'POST') return notAllowed(res, 'GET, POST');
      if (method === 'POST') return invalid(res, 'Creating sites is not modelled by this fake');
      const found = sites.filter(activeFilter(q)).filter((s) => !q.get('client_id') || String(s.client_id) === q.get('client_id'));
      const { page: items, extra } = page(found, q);
      return send(res, 200, { ...extra, record_count: found.length, sites: items.map((s) => ({ ...s, client_name: clientName(s.client_id) })) });
    }
    notFound(res, 'Resource');
  }

  async function handle(req: IncomingMessage, res: ServerResponse, root: string) {
    const target = new URL(req.url ?? '/', 'http://fake');
    const body = await readBody(req);
    const path = target.pathname;
    requests.push({ method: req.method ?? 'GET', path, query: Object.fromEntries(target.searchParams), authorization: req.headers.authorization, body });

    const failure = failures.find((f) => (!f.path || f.path === path) && (!f.method || f.method === req.method));
    if (failure) {
      if (--failure.left <= 0) failures.splice(failures.indexOf(failure), 1);
      if (failure.delayMs) await sleep(failure.delayMs);
      if (failure.status) {
        const headers: Record<string, string> = failure.retryAfter !== undefined ? { 'Retry-After': String(failure.retryAfter) } : {};
        return send(res, failure.status, failure.body ?? { ClassName: 'System.Exception', Message: `Injected ${failure.status}` }, headers);
      }
    }

    if (path === `${authPath}/token`) return req.method === 'POST' ? token(res, target.searchParams, body) : notAllowed(res, 'POST');
    // [SWG] lists the path as /AuthInfo; Halo's routes are not case-sensitive ([HAPI] calls api/authinfo).
    if (path.toLowerCase() === '/api/authinfo') return authInfo(res, req, root);
    if (path.startsWith('/api/')) {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!bearer || !validTokens.has(bearer)) return send(res, 401);
      return api(req, res, path, target.searchParams, body);
    }
    notFound(res, 'Resource');
  }

  let root = '';
  const server = createServer((req, res) => {
    handle(req, res, root).catch((error: Error) => send(res, 500, error.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  root = `http://127.0.0.1:${port}`;

  return {
    url: root,
    clients,
    sites,
    users,
    requests,
    welcomeEmails,
    get tokensIssued() {
      return tokensIssued;
    },
    failNext(spec) {
      failures.push({ ...spec, left: spec.times ?? 1 });
    },
    clearFailures() {
      failures.length = 0;
    },
    expireTokens() {
      validTokens.clear();
    },
    close() {
      timers.forEach(clearTimeout);
      timers.clear();
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
