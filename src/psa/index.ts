// Picks the adapter PSA_PROVIDER names. Each vendor's details stay in its own folder.
import type { PsaConfig } from '../config.js';
import type { Db } from '../db/index.js';
import { createAutotaskAdapter } from './autotask/adapter.js';
import { createBuiltinAdapter } from './builtin.js';
import { createConnectWiseAdapter } from './connectwise/adapter.js';
import { createHaloPsaAdapter } from './halopsa/adapter.js';
import type { PsaAdapter } from './types.js';

export interface PsaOptions {
  timeoutMs?: number;
  retries?: number;
  backoffMs?: number;
  /** Autotask only: where the zone of AUTOTASK_USERNAME is looked up. */
  autotaskZoneLookupUrl?: string;
}

export function createPsaAdapter(config: PsaConfig, db: Db, options: PsaOptions = {}): PsaAdapter {
  switch (config.provider) {
    case 'builtin':
      return createBuiltinAdapter(db);
    case 'connectwise':
      return createConnectWiseAdapter(config, options);
    case 'autotask':
      return createAutotaskAdapter(config, { ...options, zoneLookupUrl: options.autotaskZoneLookupUrl });
    case 'halopsa':
      return createHaloPsaAdapter(config, options);
  }
}
