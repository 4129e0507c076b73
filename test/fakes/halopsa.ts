// A HaloPSA stand-in on loopback, following Halo's documented API: client-credentials tokens from
// /auth/token (?tenant= for hosted instances), Bearer-protected /api/users, /api/client and /api/site
// with Halo's list wrappers ({record_count, users|clients|sites}) and array bodies on POST (an item
// with an id updates that user, an unknown id is refused; an item without one creates a user).
// Tests seed the arrays, read the request log, and inject failures with failNext().
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { FailureSpec } from './failure.js';

export interface FakeHaloClient {
  id: number;
  name: string;
  inactive?: boolean;
}

export interface FakeHaloSite {
  id: number;
  name: string;
  client_id: number;
  main_site?: boolean;
}

export interface FakeHaloUser {
  id: number;
  name: string;
  firstname: string;
  surname: string;
  emailaddress: string;
  email2?: string;
  site_id: number;
  /** Left out to model records that carry only their site. */
  client_id?: number;
  client_name?: string;
  inactive: boolean;
  phonenumber?: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  body: unknown;
}

export type { FailureSpec } from './failure.js';

export interface FakeHaloPsa {
  url: string;
  clients: FakeHaloClient[];
  sites: FakeHaloSite[];
  users: FakeHaloUser[];
  requests: LoggedRequest[];
  readonly tokensIssued: number;
  failNext(spec: FailureSpec): void;
  expireTokens(): void;
  close(): Promise<void>;
}

const TOKEN_LIFETIME_S = 3600;

export async function startFakeHaloPsa(opts: { clientId: string; clientSecret: string; tenant?: string }): Promise<FakeHaloPsa> {
  const clients: FakeHaloClient[] = [];
  const sites: FakeHaloSite[] = [];
  const users: FakeHaloUser[] = [];
  const requests: LoggedRequest[] = [];
  const failures: Array<FailureSpec & { left: number }> = [];
  const validTokens = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
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

  /** Halo lists leave inactive records out unless asked for them. */
  const activeFilter = (q: URLSearchParams) => (item: { inactive?: boolean }) =>
    item.inactive ? q.get('includeinactive') === 'true' : q.get('includeactive') !== 'false';

  const clientName = (id: number | undefined) => clients.find((c) => c.id === id)?.name;

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

  function api(req: IncomingMessage, res: ServerResponse, path: string, q: URLSearchParams, body: unknown) {
    const method = req.method ?? 'GET';
    const [, , resource, id] = path.split('/'); // "", "api", resource, id
    const key = resource?.toLowerCase();

    if (key === 'users' && method === 'GET' && id) {
      const user = users.find((u) => String(u.id) === id);
      return user ? send(res, 200, user) : notFound(res, 'User');
    }
    if (key === 'users' && method === 'GET') {
      const search = (q.get('search') ?? '').toLowerCase();
      const found = users
        .filter(activeFilter(q))
        .filter((u) => !search || u.name.toLowerCase().includes(search) || u.emailaddress.toLowerCase().includes(search))
        .filter((u) => !q.get('client_id') || String(u.client_id ?? sites.find((s) => s.id === u.site_id)?.client_id) === q.get('client_id'));
      const { page: items, extra } = page(found, q);
      return send(res, 200, { ...extra, record_count: found.length, users: items });
    }
    if (key === 'users' && method === 'POST') {
      if (!Array.isArray(body)) return send(res, 400, { ClassName: 'HaloValidationException', Message: 'Expected an array of users' });
      const items = body as Array<Partial<Omit<FakeHaloUser, 'id'>> & { id?: unknown }>;
      // Each item with an id updates that user; one without creates a user. Everything is checked
      // before anything is written, so a bad item leaves the store as it was.
      for (const item of items) {
        if (item.id !== undefined && item.id !== null) {
          if (!users.some((u) => String(u.id) === String(item.id)))
            return send(res, 404, { ClassName: 'HaloNotFoundException', Message: `User ${String(item.id)} not found` });
          if (item.site_id !== undefined && !sites.some((s) => s.id === item.site_id))
            return send(res, 400, { ClassName: 'HaloValidationException', Message: `Site ${item.site_id} does not exist` });
        } else if (!sites.some((s) => s.id === item.site_id)) {
          return send(res, 400, { ClassName: 'HaloValidationException', Message: `Site ${item.site_id} does not exist` });
        }
      }
      const saved: FakeHaloUser[] = [];
      for (const item of items) {
        if (item.id !== undefined && item.id !== null) {
          // Only the fields sent change.
          const user = users.find((u) => String(u.id) === String(item.id))!;
          for (const field of ['name', 'firstname', 'surname', 'emailaddress', 'email2', 'phonenumber', 'inactive'] as const) {
            if (item[field] !== undefined) Object.assign(user, { [field]: item[field] });
          }
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
        };
        users.push(user);
        saved.push(user);
      }
      // Halo answers a one-record POST with that record.
      return send(res, 201, saved.length === 1 ? saved[0] : saved);
    }
    if (key === 'client' && method === 'GET' && id) {
      const client = clients.find((c) => String(c.id) === id);
      return client ? send(res, 200, client) : notFound(res, 'Client');
    }
    if (key === 'client' && method === 'GET') {
      const search = (q.get('search') ?? '').toLowerCase();
      const found = clients.filter(activeFilter(q)).filter((c) => c.name.toLowerCase().includes(search));
      const { page: items, extra } = page(found, q);
      return send(res, 200, { ...extra, record_count: found.length, clients: items });
    }
    if (key === 'site' && method === 'GET' && id) {
      const site = sites.find((s) => String(s.id) === id);
      return site ? send(res, 200, { ...site, client_name: clientName(site.client_id) }) : notFound(res, 'Site');
    }
    if (key === 'site' && method === 'GET') {
      const found = sites.filter((s) => !q.get('client_id') || String(s.client_id) === q.get('client_id'));
      const { page: items, extra } = page(found, q);
      return send(res, 200, { ...extra, record_count: found.length, sites: items.map((s) => ({ ...s, client_name: clientName(s.client_id) })) });
    }
    notFound(res, 'Resource');
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const target = new URL(req.url ?? '/', 'http://fake');
    const body = await readBody(req);
    const path = target.pathname;
    requests.push({ method: req.method ?? 'GET', path, query: Object.fromEntries(target.searchParams), authorization: req.headers.authorization, body });

    const failure = failures.find((f) => !f.path || f.path === path);
    if (failure) {
      if (--failure.left <= 0) failures.splice(failures.indexOf(failure), 1);
      if (failure.delayMs) await sleep(failure.delayMs);
      if (failure.status) {
        const headers: Record<string, string> = failure.retryAfter !== undefined ? { 'Retry-After': String(failure.retryAfter) } : {};
        return send(res, failure.status, failure.body ?? { ClassName: 'System.Exception', Message: `Injected ${failure.status}` }, headers);
      }
    }

    if (req.method === 'POST' && path === '/auth/token') return token(res, target.searchParams, body);
    if (path.startsWith('/api/')) {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!bearer || !validTokens.has(bearer)) return send(res, 401);
      return api(req, res, path, target.searchParams, body);
    }
    notFound(res, 'Resource');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => send(res, 500, error.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    clients,
    sites,
    users,
    requests,
    get tokensIssued() {
      return tokensIssued;
    },
    failNext(spec) {
      failures.push({ ...spec, left: spec.times ?? 1 });
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
