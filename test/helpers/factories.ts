// Test data written through the database the app uses.
import type { Db } from '../../src/db/index.js';

let counter = 0;
const next = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

export async function createCompany(
  db: Db,
  fields: { name?: string; domains?: string[]; portalName?: string; psaCompanyId?: string } = {},
): Promise<{ id: number; name: string }> {
  const name = fields.name ?? `Company ${next()}`;
  const [row] = await db('companies')
    .insert({ name, portal_name: fields.portalName ?? null, psa_company_id: fields.psaCompanyId ?? null })
    .returning(['id', 'name']);
  for (const domain of fields.domains ?? []) await db('company_domains').insert({ company_id: row.id, domain });
  return row;
}

export async function createContact(
  db: Db,
  fields: { companyId?: number; email?: string; firstName?: string; lastName?: string; status?: 'invited' | 'active' | 'disabled' } = {},
): Promise<{ id: number; email: string; company_id: number }> {
  const companyId = fields.companyId ?? (await createCompany(db)).id;
  const [row] = await db('contacts')
    .insert({
      company_id: companyId,
      email: (fields.email ?? `person-${next()}@example.com`).toLowerCase(),
      first_name: fields.firstName ?? 'Pat',
      last_name: fields.lastName ?? 'Example',
      status: fields.status ?? 'active',
    })
    .returning(['id', 'email', 'company_id']);
  return row;
}
