// Client companies, their email domains and their Entra tenants, as technicians manage them.
import type { AuditService } from '../audit/service.js';
import type { Db } from '../db/index.js';
import { isForeignKeyViolation, isUniqueViolation } from '../db/errors.js';
import { AppError, NotFoundError, ValidationError } from '../lib/errors.js';
import { normalizeDomain, normalizeTenantId } from './domains.js';

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

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
  pages: number;
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
}

export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function pageOf<T>(items: T[], total: number, page: number, pageSize: number): Page<T> {
  return { items, page, pageSize, total, pages: Math.max(1, Math.ceil(total / pageSize)) };
}

export function createCompanyService(deps: { db: Db; audit: AuditService }): CompanyService {
  const { db, audit } = deps;
  const record = (action: string, companyId: number, actor: Actor, detail: Record<string, unknown> = {}) =>
    audit.record({ action, actor: { type: 'staff', id: actor.staffId }, subject: { type: 'company', id: companyId }, ip: actor.ip, detail });

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
      const [domains, tenants, [{ n }]] = await Promise.all([
        db('company_domains').where({ company_id: id }).orderBy('domain').select('id', 'domain'),
        db('company_tenants').where({ company_id: id }).orderBy('tenant_id').select('id', 'tenant_id'),
        db('contacts').where({ company_id: id }).count({ n: '*' }),
      ]);
      return { ...company, domains, tenants, contactCount: Number(n) };
    },

    async create(input, actor) {
      const [company] = await db<Company>('companies').insert({ name: input.name, portal_name: input.portalName || null }).returning('*');
      await record('company.created', company!.id, actor, { name: input.name });
      return company!;
    },

    async update(id, input, actor) {
      await mustExist(id);
      const [company] = await db<Company>('companies')
        .where({ id })
        .update({ name: input.name, portal_name: input.portalName || null, updated_at: db.fn.now() as unknown as Date })
        .returning('*');
      await record('company.updated', id, actor, { name: input.name, portalName: input.portalName || null });
      return company!;
    },

    async remove(id, actor) {
      const company = await mustExist(id);
      const [{ n }] = await db('contacts').where({ company_id: id }).count({ n: '*' });
      if (Number(n) > 0) throw new AppError(409, `${company.name} still has ${n} contact${Number(n) === 1 ? '' : 's'}. Move or delete them first; nothing was deleted.`);
      await db('companies')
        .where({ id })
        .delete()
        .catch((error) => {
          // A contact was added between the count and the delete.
          if (isForeignKeyViolation(error)) throw new AppError(409, `${company.name} has contacts now. Nothing was deleted.`);
          throw error;
        });
      await record('company.deleted', id, actor, { name: company.name });
    },

    async addDomain(companyId, input, actor) {
      await mustExist(companyId);
      const checked = normalizeDomain(input);
      if (!checked.ok) throw new ValidationError(checked.message, { domain: checked.message });
      const owner = await db('company_domains').join('companies', 'companies.id', 'company_domains.company_id').where({ domain: checked.domain }).first('companies.id', 'companies.name');
      if (owner) {
        const message = owner.id === companyId ? `${checked.domain} is already a domain of this company.` : `${checked.domain} already belongs to ${owner.name}.`;
        throw new ValidationError(message, { domain: message });
      }
      await db('company_domains')
        .insert({ company_id: companyId, domain: checked.domain })
        .catch((error) => {
          // Added by someone else a moment ago: the same refusal as above.
          if (isUniqueViolation(error)) throw new ValidationError(`${checked.domain} already belongs to a company.`, { domain: `${checked.domain} already belongs to a company.` });
          throw error;
        });
      await record('company.domain_added', companyId, actor, { domain: checked.domain });
      return checked.domain;
    },

    async removeDomain(companyId, domainId, actor) {
      const row = await db('company_domains').where({ id: domainId, company_id: companyId }).first();
      if (!row) throw new NotFoundError('This domain is not on this company.');
      await db('company_domains').where({ id: domainId }).delete();
      await record('company.domain_removed', companyId, actor, { domain: row.domain });
    },

    async addTenant(companyId, input, actor) {
      await mustExist(companyId);
      const checked = normalizeTenantId(input);
      if (!checked.ok) throw new ValidationError(checked.message, { tenantId: checked.message });
      const owner = await db('company_tenants').join('companies', 'companies.id', 'company_tenants.company_id').where({ tenant_id: checked.tenantId }).first('companies.id', 'companies.name');
      if (owner) {
        const message = owner.id === companyId ? 'This tenant is already linked to this company.' : `This tenant already belongs to ${owner.name}.`;
        throw new ValidationError(message, { tenantId: message });
      }
      await db('company_tenants')
        .insert({ company_id: companyId, tenant_id: checked.tenantId })
        .catch((error) => {
          if (isUniqueViolation(error)) throw new ValidationError('This tenant already belongs to a company.', { tenantId: 'This tenant already belongs to a company.' });
          throw error;
        });
      await record('company.tenant_added', companyId, actor, { tenantId: checked.tenantId });
      return checked.tenantId;
    },

    async removeTenant(companyId, tenantRowId, actor) {
      const row = await db('company_tenants').where({ id: tenantRowId, company_id: companyId }).first();
      if (!row) throw new NotFoundError('This tenant is not on this company.');
      await db('company_tenants').where({ id: tenantRowId }).delete();
      await record('company.tenant_removed', companyId, actor, { tenantId: row.tenant_id });
    },

    all: () => db('companies').orderBy('name').select('id', 'name'),
  };
}
