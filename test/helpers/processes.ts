// The real server and CLI as processes, started the way `npm start` and `npm run portico` start them
// (tsx), with only the environment given: what a person's shell in the project folder would have.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { readServerRecord } from '../../src/control/server-record.js';

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/** The folder's environment: what a person's shell would have (no DATABASE_URL unless given). */
const baseEnv = (dataDir: string, extra: Record<string, string>) => ({ PATH: process.env.PATH ?? '', DATA_DIR: dataDir, LOG_LEVEL: 'info', ...extra });

export interface RunningServer {
  process: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** nodeArgs: node flags before the script, as the production command (the Dockerfile's CMD) gives them. */
export async function startServer(dataDir: string, env: Record<string, string>, port: number, nodeArgs: string[] = []): Promise<RunningServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...nodeArgs, 'src/server.ts'], { env: baseEnv(dataDir, env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += String(chunk)));
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 120_000;
  // Ready when it answers and has written where it is (the record comes right after listening).
  while (!(await answers(port)) || readServerRecord(dataDir)?.pid !== child.pid || readServerRecord(dataDir)?.stoppedAt) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { process: child, output: () => output, stop };
}

export async function answers(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
  } catch {
    return false;
  }
}

export function cli(dataDir: string, env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'admin:create', ...args],
      { env: baseEnv(dataDir, env), timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
