// The PSA failures the console's PSA page lists (table psa_events): the one module that writes and reads
// them. A failure is recorded where a PSA call failed and the portal carried on without it.
import type { Db } from '../db/index.js';
import type { Clock } from '../lib/clock.js';

export interface PsaEvent {
  id: number;
  at: Date;
  provider: string;
  operation: string;
  message: string;
}

export interface PsaFailure {
  provider: string;
  /** The adapter method that failed, e.g. findContactsByEmail. */
  operation: string;
  error: unknown;
}

export interface PsaEvents {
  record(failure: PsaFailure): Promise<void>;
  /** The newest first, for the console. */
  recent(limit?: number): Promise<PsaEvent[]>;
}

/** The text kept (and logged) for a failure: the vendor's message, cut to what the page shows. */
export function psaFailureMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}

export function createPsaEvents(deps: { db: Db; clock: Clock }): PsaEvents {
  const { db, clock } = deps;
  return {
    async record({ provider, operation, error }) {
      await db('psa_events').insert({ at: clock.now(), provider, operation, message: psaFailureMessage(error) });
    },
    recent: (limit = 20) => db<PsaEvent>('psa_events').orderBy('id', 'desc').limit(limit),
  };
}
