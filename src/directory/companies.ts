// Client companies, their email domains and their Entra tenants, as technicians manage them.
import type { AuditService } from '../audit/service.js';
import type { Db } from '../db/index.js';
import { isForeignKeyViolation, isUniqueViolation } from '../db/errors.js';
import { AppError, NotFoundError, ValidationError } from '../lib/errors.js';
import type { ContactRepository } from './contacts-repo.js';
import { normalizeDomain, normalizeTenantId } from './domains.js';
import { pageOf, escapeLike, type Page } from './paging.js';

export { escapeLike, pageOf, type Page } from './paging.js';

export interface Company {
  id: number;
  name: string;
  psa_company_id: string | null;
  portal_name: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface CompanyDetail extends Company {
  domains: Array<{ id: number; domain: string }>;
  tenants: Array<{ id: number; tenant_id: string }>;
  contactCount: number;
}

export interface CompanyInput {
  name: string;
  portalName?: string | null;
}

type Actor = { staffId: number | null; ip?: string | null };

export interface CompanyService {
  list(query: { q?: string; page?: number; pageSize?: number }): Promise<Page<Company & { domains: string[]; contact_count: number }>>;
  get(id: number): Promise<CompanyDetail>;
  create(input: CompanyInput, actor: Actor): Promise<Company>;
  update(id: number, input: CompanyInput, actor: Actor): Promise<Company>;
  /** Refused while the company has contacts. */
  remove(id: number, actor: Actor): Promise<void>;
  addDomain(companyId: number, input: string, actor: Actor): Promise<string>;
  removeDomain(companyId: number, domainId: number, actor: Actor): Promise<void>;
  addTenant(companyId: number, input: string, actor: Actor): Promise<string>;
  removeTenant(companyId: number, tenantRowId: number, actor: Actor): Promise<void>;
  /** Every company, for pickers. */
  all(): Promise<Array<{ id: number; name: string }>>;
  count(): Promise<number>;
}

// Every change commits together with its audit event: each one runs in a transaction that the event
// is written through, so there is never a change without its event, nor an event without its change.
export function createCompanyService(deps: { db: Db; audit: AuditService; contactRepo: ContactRepository }): CompanyService {
  const { db, audit, contactRepo } = deps;
  const record = (trx: Db, action: string, companyId: number, actor: Actor, detail: Record<string, unknown> = {}) =>
    audit.record({ action, actor: { type: 'staff', id: actor.staffId }, subject: { type: 'company', id: companyId }, ip: actor.ip, detail }, trx);

  // Domains and Entra tenants both belong to exactly one company; they differ only in names.
  const owned = {
    domain: { table: 'company_domains', column: 'domain', field: 'domain', event: 'domain', detail: 'domain', noun: (v: string) => v, thisCompany: (v: string) => `${v} is already a domain of this company.`, missing: 'This domain is not on this company.' },
    tenant: { table: 'company_tenants', column: 'tenant_id', field: 'tenantId', event: 'tenant', detail: 'tenantId', noun: () => 'This tenant', thisCompany: () => 'This tenant is already linked to this company.', missing: 'This tenant is not on this company.' },
  } as const;
  type Owned = (typeof owned)[keyof typeof owned];

  async function addOwned(kind: Owned, companyId: number, value: string, actor: Actor) {
    await mustExist(companyId);
    const refuse = (message: string) => new ValidationError(message, { [kind.field]: message });
    await db.transaction(async (trx) => {
    const owner = await trx(kind.table).join('companies', 'companies.id', `${kind.table}.company_id`).where({ [kind.column]: value }).first('companies.id', 'companies.name');
    if (owner) throw refuse(owner.id === companyId ? kind.thisCompany(value) : `${kind.noun(value)} already belongs to ${owner.name}.`);
    await trx(kind.table)
      .insert({ company_id: companyId, [kind.column]: value })
      .catch((error) => {
        // Added by someone else a moment ago: the same refusal as above.
        if (isUniqueViolation(error)) throw refuse(`${kind.noun(value)} already belongs to a company.`);
        throw error;
      });
    await record(trx, `company.${kind.event}_added`, companyId, actor, { [kind.detail]: value });
    });
  }

  async function removeOwned(kind: Owned, companyId: number, rowId: number, actor: Actor) {
    const row = await db(kind.table).where({ id: rowId, company_id: companyId }).first();
    if (!row) throw new NotFoundError(kind.missing);
    await db.transaction(async (trx) => {
      await trx(kind.table).where({ id: rowId }).delete();
      await record(trx, `company.${kind.event}_removed`, companyId, actor, { [kind.detail]: row[kind.column] });
    });
  }

  async function mustExist(id: number): Promise<Company> {
    const company = await db<Company>('companies').where({ id }).first();
    if (!company) throw new NotFoundError('This company does not exist.');
    return company;
  }

  return {
    async list({ q = '', page = 1, pageSize = 25 }) {
      const base = db('companies').modify((query) => {
        if (q.trim()) {
          const like = `%${escapeLike(q.trim().toLowerCase())}%`;
          query.where((w) => w.whereRaw('lower(companies.name) like ?', [like]).orWhereExists(db('company_domains').whereRaw('company_domains.company_id = companies.id').andWhere('domain', 'like', like)));
        }
      });
      const [{ n }] = await base.clone().count({ n: '*' });
      const rows = await base
        .clone()
        .select(
          'companies.*',
          db.raw(`coalesce((select string_agg(domain, ',' order by domain) from company_domains d where d.company_id = companies.id), '') as domains`),
          db.raw('(select count(*) from contacts c where c.company_id = companies.id)::int as contact_count'),
        )
        .orderBy('companies.name')
        .limit(pageSize)
        .offset((page - 1) * pageSize);
      return pageOf(
        rows.map((r: Company & { domains: string; contact_count: number }) => ({ ...r, domains: r.domains ? r.domains.split(',') : [] })),
        Number(n),
        page,
        pageSize,
      );
    },

    async get(id) {
      const company = await mustExist(id);
      const [domains, tenants, contactCount] = await Promise.all([
        db('company_domains').where({ company_id: id }).orderBy('domain').select('id', 'domain'),
        db('company_tenants').where({ company_id: id }).orderBy('tenant_id').select('id', 'tenant_id'),
        contactRepo.countInCompany(id),
      ]);
      return { ...company, domains, tenants, contactCount };
    },

    create: (input, actor) =>
      db.transaction(async (trx) => {
        const [company] = await trx<Company>('companies').insert({ name: input.name, portal_name: input.portalName || null }).returning('*');
        await record(trx, 'company.created', company!.id, actor, { name: input.name });
        return company!;
      }),

    async update(id, input, actor) {
      await mustExist(id);
      return db.transaction(async (trx) => {
        const [company] = await trx<Company>('companies')
          .where({ id })
          .update({ name: input.name, portal_name: input.portalName || null, updated_at: trx.fn.now() as unknown as Date })
          .returning('*');
        await record(trx, 'company.updated', id, actor, { name: input.name, portalName: input.portalName || null });
        return company!;
      });
    },

    async remove(id, actor) {
      const company = await mustExist(id);
      const n = await contactRepo.countInCompany(id);
      if (n > 0) throw new AppError(409, `${company.name} still has ${n} contact${n === 1 ? '' : 's'}. Move or delete them first; nothing was deleted.`);
      await db.transaction(async (trx) => {
        await trx('companies')
          .where({ id })
          .delete()
          .catch((error) => {
            // A contact was added between the count and the delete.
            if (isForeignKeyViolation(error)) throw new AppError(409, `${company.name} has contacts now. Nothing was deleted.`);
            throw error;
          });
        await record(trx, 'company.deleted', id, actor, { name: company.name });
      });
    },

    async addDomain(companyId, input, actor) {
      const checked = normalizeDomain(input);
      if (!checked.ok) throw new ValidationError(checked.message, { domain: checked.message });
      await addOwned(owned.domain, companyId, checked.domain, actor);
      return checked.domain;
    },

    removeDomain: (companyId, domainId, actor) => removeOwned(owned.domain, companyId, domainId, actor),

    async addTenant(companyId, input, actor) {
      const checked = normalizeTenantId(input);
      if (!checked.ok) throw new ValidationError(checked.message, { tenantId: checked.message });
      await addOwned(owned.tenant, companyId, checked.tenantId, actor);
      return checked.tenantId;
    },

    removeTenant: (companyId, tenantRowId, actor) => removeOwned(owned.tenant, companyId, tenantRowId, actor),

    all: () => db('companies').orderBy('name').select('id', 'name'),

    async count() {
      const [{ n }] = await db('companies').count({ n: '*' });
      return Number(n);
    },
  };
}
