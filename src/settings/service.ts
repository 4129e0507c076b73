// Settings live in the database (a technician changes them at run time); secrets stay in the environment.
// A stored value is merged over the defaults, so a setting added later needs no data migration.
import type { Db } from '../db/index.js';
import { settingDefinitions, type SettingKey, type SettingValue } from './schemas.js';

export interface SettingsService {
  get<K extends SettingKey>(key: K, db?: Db): Promise<SettingValue<K>>;
  set<K extends SettingKey>(key: K, value: SettingValue<K>, updatedBy: number | null, db?: Db): Promise<void>;
}

export function createSettingsService(deps: { db: Db; mailFrom: string }): SettingsService {
  return {
    async get(key, db = deps.db) {
      const row = await db('settings').where({ key }).first('value');
      const definition = settingDefinitions[key];
      const merged = { ...definition.defaults(deps.mailFrom), ...(row?.value ?? {}) };
      const parsed = definition.schema.safeParse(merged);
      // A stored value that no longer validates (e.g. rules tightened) falls back to the defaults.
      return (parsed.success ? parsed.data : definition.defaults(deps.mailFrom)) as SettingValue<typeof key>;
    },
    async set(key, value, updatedBy, db = deps.db) {
      const valid = settingDefinitions[key].schema.parse(value);
      await db('settings')
        .insert({ key, value: JSON.stringify(valid), updated_by: updatedBy, updated_at: db.fn.now() })
        .onConflict('key')
        .merge();
    },
  };
}
