// What a running server tells the commands started in the same folder: its pid, port, BASE_URL and
// (embedded database) its control socket, in DATA_DIR/server.json (kept after it stops, without the socket), beside the data and the generated
// session secret. `admin:create` reads it so the link it prints points at the server that is running,
// without the user repeating PORT or BASE_URL.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { isAlive } from '../db/lock.js';

export interface ServerRecord {
  pid: number;
  port: number;
  baseUrl: string;
  /** Unix socket for work only this process may do (the embedded database is open here). */
  controlSocket?: string;
  startedAt: string;
  stoppedAt?: string;
}

const recordFile = (dataDir: string) => path.join(dataDir, 'server.json');

export function writeServerRecord(dataDir: string, record: ServerRecord): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(recordFile(dataDir), JSON.stringify(record, null, 2) + '\n', { mode: 0o600 });
}

/** At shutdown: the record stays (a command run while the server is stopped still makes links for the
 * address it will come back on) but loses its socket. Only if it is still this process's record. */
export function markServerStopped(dataDir: string, pid = process.pid): void {
  const record = readServerRecord(dataDir);
  if (record?.pid !== pid) return;
  const { running: _running, controlSocket: _socket, ...rest } = record;
  writeServerRecord(dataDir, { ...rest, stoppedAt: new Date().toISOString() });
}

/** The record and whether its process is still alive; undefined when there is none or it is unreadable. */
export function readServerRecord(dataDir: string): (ServerRecord & { running: boolean }) | undefined {
  let parsed: Partial<ServerRecord>;
  try {
    parsed = JSON.parse(readFileSync(recordFile(dataDir), 'utf8')) as Partial<ServerRecord>;
  } catch {
    return undefined;
  }
  if (typeof parsed.pid !== 'number' || typeof parsed.baseUrl !== 'string' || typeof parsed.port !== 'number') return undefined;
  return { ...(parsed as ServerRecord), running: isAlive(parsed.pid) };
}
