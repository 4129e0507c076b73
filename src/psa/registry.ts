// The PSA vendors Portico supports, listed explicitly (no module registers itself on import). Adding a
// vendor: its folder src/psa/<vendor>/ (adapter.ts, index.ts with the PsaVendor), one line below, the
// README's table, and a fake plus tests. config.ts reads PSA_PROVIDER and the variables through here.
import { autotask } from './autotask/index.js';
import { BUILTIN_DISPLAY_NAME, BUILTIN_PROVIDER } from './builtin.js';
import { connectwise } from './connectwise/index.js';
import { halopsa } from './halopsa/index.js';
import type { PsaAdapter } from './types.js';
import type { PsaAdapterDeps, PsaVendor } from './vendor.js';

const psaVendors = [connectwise, autotask, halopsa] as const;

type ConfigOf<V> = V extends PsaVendor<infer Config> ? Config : never;

/** PSA_PROVIDER and the chosen vendor's settings. */
export type PsaConfig = { provider: typeof BUILTIN_PROVIDER } | ConfigOf<(typeof psaVendors)[number]>;

/** The HTTP client's tuning for every adapter (tests shorten timeouts). */
export type PsaOptions = Omit<PsaAdapterDeps, 'clock'>;

type Env = Record<string, string | undefined>;

const providers = [BUILTIN_PROVIDER, ...psaVendors.map((v) => v.id)];
const choices = `${providers.slice(0, -1).join(', ')} or ${providers[providers.length - 1]}`;

/** PSA_PROVIDER (default builtin) and every vendor's variables: the config; or one line per variable in a
 * wrong format; or, all well-formed, the one line naming what the chosen vendor lacks. */
export function readPsaConfig(env: Env): { ok: true; config: PsaConfig } | { ok: false; problems: string[] } | { ok: false; missing: string } {
  const provider = env.PSA_PROVIDER ?? BUILTIN_PROVIDER;
  const problems = providers.includes(provider) ? [] : [`PSA_PROVIDER must be ${choices}`];
  // Every vendor's variables are checked, as every other variable is, whichever PSA is chosen.
  const readings = psaVendors.map((vendor) => ({ id: vendor.id, reading: vendor.readEnvironment(env) }));
  for (const { reading } of readings) if (!reading.ok && 'problems' in reading) problems.push(...reading.problems);
  if (problems.length) return { ok: false, problems };
  if (provider === BUILTIN_PROVIDER) return { ok: true, config: { provider: BUILTIN_PROVIDER } };
  const chosen = readings.find((r) => r.id === provider)?.reading;
  if (!chosen) return { ok: false, problems: [`PSA_PROVIDER must be ${choices}`] };
  if (chosen.ok) return { ok: true, config: chosen.config };
  if ('missing' in chosen) return { ok: false, missing: `PSA_PROVIDER=${provider} needs ${chosen.missing.join(', ')}` };
  return { ok: false, problems: chosen.problems };
}

const vendorOf = (config: PsaConfig) => psaVendors.find((vendor) => vendor.id === config.provider);

/** The configured vendor's adapter; undefined without a PSA (see builtin.ts). */
export function createPsaAdapter(config: PsaConfig, deps: PsaAdapterDeps): PsaAdapter | undefined {
  return vendorOf(config)?.create(config, deps);
}

/** What the console calls the configured PSA. */
export function psaDisplayName(config: PsaConfig): string {
  return vendorOf(config)?.displayName ?? BUILTIN_DISPLAY_NAME;
}
