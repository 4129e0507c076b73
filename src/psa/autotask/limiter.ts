// At most N requests in flight per Autotask endpoint from this process.
//
// Autotask's thread limit: "Thread limits apply to the combination of each unique API tracking identifier
// plus object endpoint call"; integrations made after 2023.1 get "a thread limit of three per object endpoint
// and tracking identifier" (Autotask developer help, APIs/General/ThreadLimiting.htm). The identifier is the
// integration code, shared by every process that uses it, so one process keeps below three (default 2):
// a second Portico process or a restart overlapping the old one still fits, and the rare refusal beyond
// that is retried with backoff (errors.ts). The cap is per endpoint, as the vendor counts, so a slow
// company lookup does not hold up contact searches.

/** The endpoints a path counts against: its entity, and for a child collection (Companies/10/Contacts)
 * the child entity too, since the help page does not say which of the two a child call is counted on. */
export function endpointsOf(path: string): string[] {
  const pathname = /^https?:\/\//i.test(path) ? new URL(path).pathname : path.split('?')[0]!;
  const after = /\/v1\.0\/(.*)$/i.exec(pathname)?.[1] ?? pathname.replace(/^\/+/, '');
  const [entity, id, child] = after.split('/');
  const keys = [entity ?? ''];
  if (id && /^\d+$/.test(id) && child) keys.push(child);
  return [...new Set(keys.map((k) => k.toLowerCase()).filter(Boolean))].sort();
}

export interface EndpointLimiter {
  /** Runs the task once a slot is free on every endpoint named (taken in sorted order, so two tasks never wait on each other). */
  run<T>(endpoints: string[], task: () => Promise<T>): Promise<T>;
}

export function createEndpointLimiter(maxInFlight: number): EndpointLimiter {
  const slots = new Map<string, { active: number; waiting: Array<() => void> }>();
  const slot = (key: string) => {
    let s = slots.get(key);
    if (!s) slots.set(key, (s = { active: 0, waiting: [] }));
    return s;
  };
  async function acquire(key: string) {
    const s = slot(key);
    if (s.active < maxInFlight) {
      s.active++;
      return;
    }
    // The releaser hands its slot straight to the next waiter, so active stays counted.
    await new Promise<void>((resolve) => s.waiting.push(resolve));
  }
  function release(key: string) {
    const s = slot(key);
    const next = s.waiting.shift();
    if (next) next();
    else s.active--;
  }
  return {
    async run(endpoints, task) {
      const keys = [...new Set(endpoints)].sort();
      const held: string[] = [];
      try {
        for (const key of keys) {
          await acquire(key);
          held.push(key);
        }
        return await task();
      } finally {
        for (const key of held.reverse()) release(key);
      }
    },
  };
}
