// Settings live in the database (a technician changes them at run time); secrets stay in the environment.
// A stored value is merged over the defaults, so a setting added later needs no data migration.
// Reads are cached for a moment: every sign-in page needs them, and a change made here is seen here at
// once (the cache is cleared on write) and by other instances within CACHE_MS.
import type { Db } from '../db/index.js';
import { settingDefinitions, type SettingKey, type SettingValue } from './schemas.js';

export const SETTINGS_CACHE_MS = 2_000;

export interface SettingsService {
  get<K extends SettingKey>(key: K, db?: Db): Promise<SettingValue<K>>;
  set<K extends SettingKey>(key: K, value: SettingValue<K>, updatedBy: number | null, db?: Db): Promise<void>;
}

export function createSettingsService(deps: { db: Db; mailFrom: string; cacheMs?: number }): SettingsService {
  const cacheMs = deps.cacheMs ?? SETTINGS_CACHE_MS;
  const cache = new Map<SettingKey, { value: unknown; at: number }>();
  // One read at a time per key: when the cached value runs out under load, the requests in flight
  // wait for the one read instead of each sending its own (a pool's worth of queries every 2 s).
  const loading = new Map<SettingKey, Promise<unknown>>();
  // A write makes reads started before it stale: they must not refill the cache.
  let writes = 0;

  async function load(key: SettingKey, db: Db) {
    const row = await db('settings').where({ key }).first('value');
    const definition = settingDefinitions[key];
    const merged = { ...definition.defaults(deps.mailFrom), ...(row?.value ?? {}) };
    const parsed = definition.schema.safeParse(merged);
    // A stored value that no longer validates (e.g. rules tightened) falls back to the defaults.
    return parsed.success ? parsed.data : definition.defaults(deps.mailFrom);
  }

  return {
    async get(key, db) {
      // Inside a transaction, read through it: the caller may have just written.
      if (db && db !== deps.db) return (await load(key, db)) as SettingValue<typeof key>;
      const hit = cache.get(key);
      if (hit && Date.now() - hit.at < cacheMs) return hit.value as SettingValue<typeof key>;
      let pending = loading.get(key);
      if (!pending) {
        const startedAfter = writes;
        const read: Promise<unknown> = load(key, deps.db)
          .then((value) => {
            if (writes === startedAfter) cache.set(key, { value, at: Date.now() });
            return value;
          })
          .finally(() => loading.get(key) === read && loading.delete(key));
        loading.set(key, read);
        pending = read;
      }
      return (await pending) as SettingValue<typeof key>;
    },
    async set(key, value, updatedBy, db = deps.db) {
      const valid = settingDefinitions[key].schema.parse(value);
      writes += 1;
      loading.delete(key);
      cache.delete(key);
      await db('settings')
        .insert({ key, value: JSON.stringify(valid), updated_by: updatedBy, updated_at: db.fn.now() })
        .onConflict('key')
        .merge();
      writes += 1;
      loading.delete(key);
      cache.delete(key);
    },
  };
}
