// What a PSA vendor brings to Portico, declared once in its own folder (src/psa/<vendor>/index.ts):
// its PSA_PROVIDER value, the name the console shows, the environment variables it reads with their
// validation, and the factory of its adapter. registry.ts lists the vendors; nothing else names one.
import { z } from 'zod';
import type { Clock } from '../lib/clock.js';
import type { PsaAdapter } from './types.js';

type Env = Record<string, string | undefined>;

/** What every adapter factory is given: the clock, and the HTTP client's tuning (tests shorten it). */
export interface PsaAdapterDeps {
  clock: Clock;
  timeoutMs?: number;
  retries?: number;
  backoffMs?: number;
}

/** A vendor's reading of the environment: its config, the format problems of its variables, or the
 * required variables that are unset (only asked of the vendor PSA_PROVIDER names). */
export type PsaEnvironmentReading<Config> = { ok: true; config: Config } | { ok: false; problems: string[] } | { ok: false; missing: string[] };

export interface PsaVendor<Config extends { provider: string } = { provider: string }> {
  /** The PSA_PROVIDER value. */
  readonly id: Config['provider'];
  /** Shown on the console's PSA page. */
  readonly displayName: string;
  readEnvironment(env: Env): PsaEnvironmentReading<Config>;
  /** The adapter for a config this vendor read; a config of another vendor is refused. */
  create(config: { provider: string }, deps: PsaAdapterDeps): PsaAdapter;
}

type Present<T, K extends keyof T> = T & { [P in K]-?: NonNullable<T[P]> };

const isSet = (value: unknown) => value !== undefined && value !== null;

function hasAll<T extends object, K extends keyof T>(values: T, names: readonly K[]): values is Present<T, K> {
  return names.every((name) => isSet(values[name]));
}

/** Declares a vendor: `environment` validates each variable (a set value in a wrong format is reported
 * whatever PSA_PROVIDER says, like every other variable); `required` are the variables the vendor cannot
 * work without, in the order the start-up error names them; `config` reads them, the required ones set. */
export function definePsaVendor<Config extends { provider: string }, Shape extends z.ZodRawShape, Required extends keyof z.infer<z.ZodObject<Shape>>>(spec: {
  id: Config['provider'];
  displayName: string;
  environment: Shape;
  required: readonly Required[];
  config(env: Present<z.infer<z.ZodObject<Shape>>, Required>): Config;
  create(config: Config, deps: PsaAdapterDeps): PsaAdapter;
}): PsaVendor<Config> {
  const schema = z.object(spec.environment);
  // Configs are built only by readEnvironment below, so the provider says which vendor's shape it has.
  const owns = (config: { provider: string }): config is Config => config.provider === spec.id;
  return {
    id: spec.id,
    displayName: spec.displayName,
    readEnvironment(env) {
      const parsed = schema.safeParse(env);
      if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`) };
      const values = parsed.data;
      if (!hasAll(values, spec.required)) return { ok: false, missing: spec.required.filter((name) => !isSet(values[name])).map(String) };
      return { ok: true, config: spec.config(values) };
    },
    create(config, deps) {
      if (!owns(config)) throw new Error(`a ${config.provider} configuration given to the ${spec.id} adapter`);
      return spec.create(config, deps);
    },
  };
}
