// Company names are unique regardless of case ("Acme" and "ACME" were two companies, and CSV import
// filed rows under the wrong one): a unique index on lower(name), after white space is made consistent
// (trimmed, runs collapsed to one space, as src/directory/company-names.ts does for every new name).
//
// Databases already holding such duplicates must still upgrade: the server migrates at start, so
// refusing would leave the portal down until someone edits the database by hand. Instead the oldest
// company (lowest id) keeps its name and each later one is renamed deterministically to "<name> (2)",
// "<name> (3)", … (the first suffix no other company has), and every rename is written to the audit log
// ("company.renamed", actor system) so a technician sees what changed and can merge or rename. Nothing
// else changes: contacts, domains and PSA links stay with their company.
import type { Knex } from 'knex';

// A copy, not an import: a migration must do the same thing forever, whatever the app's rule becomes.
const tidy = (name: string) => name.replace(/\s+/g, ' ').trim();

export async function up(knex: Knex): Promise<void> {
  const rows: Array<{ id: number; name: string }> = await knex('companies').orderBy('id').select('id', 'name');
  const taken = new Set<string>();
  const renamed: Array<{ id: number; from: string; to: string }> = [];
  const later: Array<{ id: number; from: string; base: string }> = [];
  // First every name that is free keeps it (tidied), so a suffix below never takes an existing name.
  for (const row of rows) {
    const name = tidy(row.name);
    if (taken.has(name.toLowerCase())) later.push({ id: row.id, from: row.name, base: name });
    else {
      taken.add(name.toLowerCase());
      if (name !== row.name) await knex('companies').where({ id: row.id }).update({ name });
    }
  }
  for (const row of later) {
    let n = 2;
    while (taken.has(`${row.base} (${n})`.toLowerCase())) n += 1;
    const to = `${row.base} (${n})`;
    taken.add(to.toLowerCase());
    await knex('companies').where({ id: row.id }).update({ name: to, updated_at: knex.fn.now() });
    renamed.push({ id: row.id, from: row.from, to });
  }
  for (const r of renamed) {
    await knex('audit_events').insert({
      at: knex.fn.now(),
      actor_type: 'system',
      action: 'company.renamed',
      subject_type: 'company',
      subject_id: String(r.id),
      detail: JSON.stringify({ from: r.from, to: r.to, reason: 'Another company had the same name apart from upper/lower case (migration 007).' }),
    });
  }
  await knex.raw('create unique index companies_name_lower_unique on companies (lower(name))');
}

// The renames are not undone: the names they replaced were the problem.
export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists companies_name_lower_unique');
}
