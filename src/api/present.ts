// How the User API shows records: camelCase fields, ISO 8601 times, and only what integrations need
// (no Entra ids, no terms bookkeeping). openapi.ts describes exactly these shapes.
import type { Company, CompanyDetail, Page } from '../directory/companies.js';
import type { ContactWithCompany } from '../directory/service.js';

const iso = (value: Date | string | null | undefined) => (value ? new Date(value).toISOString() : null);

export function presentContact(c: ContactWithCompany) {
  return {
    id: c.id,
    companyId: c.company_id,
    companyName: c.company_name,
    email: c.email,
    firstName: c.first_name,
    lastName: c.last_name,
    phone: c.phone,
    // As the console shows it: "not_invited" until an invitation was sent (contacts-repo.ts ShownStatus).
    status: c.shown_status,
    psaContactId: c.psa_contact_id,
    lastSignInAt: iso(c.last_sign_in_at),
    createdAt: iso(c.created_at),
    updatedAt: iso(c.updated_at),
  };
}

export function presentCompany(c: Company & { domains: string[]; contact_count: number }) {
  return {
    id: c.id,
    name: c.name,
    portalName: c.portal_name,
    psaCompanyId: c.psa_company_id,
    domains: c.domains,
    contactCount: c.contact_count,
    createdAt: iso(c.created_at),
    updatedAt: iso(c.updated_at),
  };
}

/** A company as the service returns one (create, update). */
export function presentCompanyDetail(c: CompanyDetail) {
  return presentCompany({ ...c, domains: c.domains.map((d) => d.domain), contact_count: c.contactCount });
}

export function presentPage<T, R>(page: Page<T>, present: (item: T) => R) {
  return { data: page.items.map(present), page: page.page, pageSize: page.pageSize, total: page.total };
}
