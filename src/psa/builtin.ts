// The built-in directory: for MSPs without a PSA, Portico's own tables are the system of record.
// Company ids are the portal's own; contacts created here are portal contacts.
import type { Db } from '../db/index.js';
import { createContactRepository, isUsable, type ContactRow } from '../directory/contacts-repo.js';
import { systemClock } from '../lib/clock.js';
import type { PsaAdapter, PsaContact } from './types.js';

const toContact = (row: ContactRow): PsaContact => ({
  id: String(row.id),
  companyId: String(row.company_id),
  firstName: row.first_name,
  lastName: row.last_name,
  email: row.email,
  phone: row.phone,
  active: isUsable(row),
});

export function createBuiltinAdapter(db: Db): PsaAdapter {
  // Reads go through the contacts table's owner (the clock only stamps its writes, unused here).
  const contacts = createContactRepository({ db, clock: systemClock });
  return {
    provider: 'builtin',
    async findContactsByEmail(email) {
      return (await contacts.allByEmail(email)).map(toContact);
    },
    async getCompany(id) {
      const row = /^\d+$/.test(id) ? await db('companies').where({ id: Number(id) }).first('id', 'name') : undefined;
      return row ? { id: String(row.id), name: row.name } : undefined;
    },
    async searchCompanies(query, limit = 25) {
      const rows = await db('companies').whereRaw('lower(name) like ?', [`%${query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`]).orderBy('name').limit(limit).select('id', 'name');
      return rows.map((r) => ({ id: String(r.id), name: r.name }));
    },
    async createContact(input) {
      const [row] = await db('contacts')
        .insert({ company_id: Number(input.companyId), email: input.email.toLowerCase(), first_name: input.firstName, last_name: input.lastName, phone: input.phone ?? null, status: 'active' })
        .onConflict(['company_id', 'email'])
        .merge({ first_name: input.firstName, last_name: input.lastName })
        .returning('*');
      return toContact(row);
    },
    async updateContactNames(id, names) {
      // The portal's own row is the record: nothing else to write.
      if (/^\d+$/.test(id)) await db('contacts').where({ id: Number(id) }).update({ first_name: names.firstName, last_name: names.lastName });
    },
    async checkConnection() {
      const [{ n }] = await db('companies').count({ n: '*' });
      return { ok: true, detail: `Built-in directory: ${n} companies.` };
    },
  };
}
