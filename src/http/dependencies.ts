// When PostgreSQL or Redis is briefly gone (a restart, a failover) requests fail fast with a plain 503
// instead of a 500 or a hang. Recognised by error class and PostgreSQL / socket error codes.
import knex from 'knex';

const DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000', // connection_exception
  '08001',
  '08003',
  '08006',
]);

export function isDependencyDown(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as { code?: unknown; name?: unknown };
  if (error instanceof knex.KnexTimeoutError) return true; // no pool connection within the timeout
  if (e.name === 'MaxRetriesPerRequestError') return true; // ioredis gave up while Redis is away (class not exported)
  return typeof e.code === 'string' && DOWN_CODES.has(e.code);
}

/** Resolves true when `check` answers within the time, false when it fails or is too slow. */
export async function answers(check: () => Promise<unknown>, timeoutMs = 1_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      check().then(
        () => true,
        () => false,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
