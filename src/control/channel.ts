// The control channel: a Unix socket in DATA_DIR/control/ through which commands started on this
// machine hand work to the running server. It exists because the embedded database belongs to one
// process: while `npm start` holds it, `admin:create` cannot open it, so the server does the work.
// Only the owner of the data can reach it: the folder is 0700 and the socket 0600 (the same people who
// could read the database files), and a socket is never reachable from another machine.
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import path from 'node:path';
import type { Logger } from '../lib/logger.js';
import { AdminCreateRefused, type AdminCreateInput, type AdminCreateResult } from '../staff/first-admin.js';

export interface ControlHandlers {
  adminCreate(input: AdminCreateInput): Promise<AdminCreateResult>;
}

export type ControlAnswer =
  { ok: true; result: AdminCreateResult } | { ok: false; message: string; /** The input was refused (not a failure of the server). */ refused?: boolean };

/** The socket could not be reached (no server listening on it any more). */
export class ControlChannelUnavailable extends Error {}

const ADMIN_CREATE = '/admin-create';
const MAX_BODY = 4096;
// sockaddr_un holds about 108 bytes on Linux, 104 on macOS.
const MAX_SOCKET_PATH = 100;

const controlSocketPath = (dataDir: string) => path.join(dataDir, 'control', 'portico.sock');

export interface ControlChannel {
  socketPath: string;
  close(): Promise<void>;
}

/** Listens on the socket; undefined (with a warning) where the platform or the path length rules it out. */
export async function openControlChannel(dataDir: string, handlers: ControlHandlers, logger: Logger): Promise<ControlChannel | undefined> {
  const socketPath = controlSocketPath(dataDir);
  if (process.platform === 'win32' || Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    logger.warn({ socketPath }, 'no control channel here (path too long or no Unix sockets): stop the server to run admin:create');
    return undefined;
  }
  const dir = path.dirname(socketPath);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  // A socket left by a server that crashed; this process holds the data directory now.
  rmSync(socketPath, { force: true });
  const server: Server = createServer((req, res) => {
    void answer(req, handlers, logger).then(([status, body]) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  chmodSync(socketPath, 0o600);
  return {
    socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        rmSync(socketPath, { force: true });
      }),
  };
}

async function answer(req: IncomingMessage, handlers: ControlHandlers, logger: Logger): Promise<[number, ControlAnswer]> {
  if (req.method !== 'POST' || req.url !== ADMIN_CREATE) return [404, { ok: false, message: 'unknown control request' }];
  try {
    const input = JSON.parse(await readBody(req)) as AdminCreateInput;
    const result = await handlers.adminCreate({ email: String(input.email ?? ''), name: String(input.name ?? '') });
    logger.info({ email: result.email, outcome: result.outcome }, 'admin:create done for the command line');
    return [200, { ok: true, result }];
  } catch (error) {
    if (error instanceof AdminCreateRefused) return [400, { ok: false, message: error.message, refused: true }];
    logger.error({ err: error }, 'admin:create from the command line failed');
    return [500, { ok: false, message: 'the server could not do it; see its log' }];
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > MAX_BODY) throw new AdminCreateRefused('request too large');
  }
  return body;
}

/** Asks the server listening on `socketPath` to run admin:create; ControlChannelUnavailable if none answers. */
export function askServerToCreateAdmin(socketPath: string, input: AdminCreateInput): Promise<ControlAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: ADMIN_CREATE, method: 'POST', headers: { 'content-type': 'application/json' }, timeout: 60_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(text) as ControlAnswer);
        } catch {
          reject(new Error(`the running server answered ${res.statusCode} without a result`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('the running server did not answer within a minute')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      reject(['ENOENT', 'ECONNREFUSED', 'EACCES'].includes(error.code ?? '') ? new ControlChannelUnavailable(error.message) : error);
    });
    req.end(JSON.stringify(input));
  });
}
