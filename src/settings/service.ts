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
      const value = await load(key, deps.db);
      cache.set(key, { value, at: Date.now() });
      return value as SettingValue<typeof key>;
    },
    async set(key, value, updatedBy, db = deps.db) {
      const valid = settingDefinitions[key].schema.parse(value);
      cache.delete(key);
      await db('settings')
        .insert({ key, value: JSON.stringify(valid), updated_by: updatedBy, updated_at: db.fn.now() })
        .onConflict('key')
        .merge();
      cache.delete(key);
    },
  };
}
