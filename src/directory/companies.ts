// Client companies, their email domains and their Entra tenants, as technicians manage them.
// The tables are owned by companies-repo.ts; this module adds the rules and the audit trail.
import type { AuditService } from '../audit/service.js';
import type { Db } from '../db/index.js';
import { isForeignKeyViolation, isUniqueViolation } from '../db/errors.js';
import { AppError, NotFoundError, ValidationError } from '../lib/errors.js';
import type { CompanyListItem, CompanyRepository, CompanyRow, OwnedKind } from './companies-repo.js';
import type { ContactRepository } from './contacts-repo.js';
import { CompanyNameTakenError, isCompanyNameTaken, tidyCompanyName } from './company-names.js';
import { normalizeDomain, normalizeTenantId } from './domains.js';
import type { Page } from './paging.js';

export type { Page } from './paging.js';

export type Company = CompanyRow;

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
  list(query: { q?: string; page?: number; pageSize?: number }): Promise<Page<CompanyListItem>>;
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

// Domains and Entra tenants both belong to exactly one company; they differ only in names.
const owned = {
  domain: {
    kind: 'domain',
    field: 'domain',
    event: 'domain',
    detail: 'domain',
    noun: (v: string) => v,
    thisCompany: (v: string) => `${v} is already a domain of this company.`,
    missing: 'This domain is not on this company.',
  },
  tenant: {
    kind: 'tenant',
    field: 'tenantId',
    event: 'tenant',
    detail: 'tenantId',
    noun: () => 'This tenant',
    thisCompany: () => 'This tenant is already linked to this company.',
    missing: 'This tenant is not on this company.',
  },
} as const satisfies Record<OwnedKind, { kind: OwnedKind } & Record<string, unknown>>;
type Owned = (typeof owned)[OwnedKind];

// Every change commits together with its audit event: each one runs in a transaction that the event
// is written through, so there is never a change without its event, nor an event without its change.
export function createCompanyService(deps: { db: Db; audit: AuditService; companyRepo: CompanyRepository; contactRepo: ContactRepository }): CompanyService {
  const { db, audit, companyRepo, contactRepo } = deps;
  const record = (trx: Db, action: string, companyId: number, actor: Actor, detail: Record<string, unknown> = {}) =>
    audit.record({ action, actor: { type: 'staff', id: actor.staffId }, subject: { type: 'company', id: companyId }, ip: actor.ip, detail }, trx);

  async function addOwned(kind: Owned, companyId: number, value: string, actor: Actor) {
    await mustExist(companyId);
    const refuse = (message: string) => new ValidationError(message, { [kind.field]: message });
    await db.transaction(async (trx) => {
      const owner = await companyRepo.ownerOf(kind.kind, value, trx);
      if (owner) throw refuse(owner.id === companyId ? kind.thisCompany(value) : `${kind.noun(value)} already belongs to ${owner.name}.`);
      await companyRepo.addOwned(kind.kind, companyId, value, trx).catch((error) => {
        // Added by someone else a moment ago: the same refusal as above.
        if (isUniqueViolation(error)) throw refuse(`${kind.noun(value)} already belongs to a company.`);
        throw error;
      });
      await record(trx, `company.${kind.event}_added`, companyId, actor, { [kind.detail]: value });
    });
  }

  async function removeOwned(kind: Owned, companyId: number, rowId: number, actor: Actor) {
    const value = await companyRepo.ownedValue(kind.kind, companyId, rowId);
    if (value === undefined) throw new NotFoundError(kind.missing);
    await db.transaction(async (trx) => {
      await companyRepo.removeOwned(kind.kind, rowId, trx);
      await record(trx, `company.${kind.event}_removed`, companyId, actor, { [kind.detail]: value });
    });
  }

  // Checked first for the plain case; the unique index decides a race (two creates at once), and the
  // loser gets the same message, looked up after its transaction has ended.
  async function refuseTakenName(name: string, exceptId?: number) {
    const existing = await companyRepo.byName(name);
    if (existing && existing.id !== exceptId) throw new CompanyNameTakenError(existing);
  }

  async function nameTakenMeanwhile(error: unknown, name: string): Promise<never> {
    if (!isCompanyNameTaken(error)) throw error;
    const existing = await companyRepo.byName(name);
    throw existing ? new CompanyNameTakenError(existing) : error;
  }

  async function mustExist(id: number): Promise<Company> {
    const company = await companyRepo.get(id);
    if (!company) throw new NotFoundError('This company does not exist.');
    return company;
  }

  return {
    list: (query) => companyRepo.search(query),

    async get(id) {
      const company = await mustExist(id);
      const [domains, tenants, contactCount] = await Promise.all([companyRepo.domainsOf(id), companyRepo.tenantsOf(id), contactRepo.countInCompany(id)]);
      return { ...company, domains, tenants, contactCount };
    },

    async create(input, actor) {
      const name = tidyCompanyName(input.name);
      await refuseTakenName(name);
      return db
        .transaction(async (trx) => {
          const company = await companyRepo.insert({ name, portal_name: input.portalName || null }, trx);
          await record(trx, 'company.created', company.id, actor, { name });
          return company;
        })
        .catch((error) => nameTakenMeanwhile(error, name));
    },

    async update(id, input, actor) {
      await mustExist(id);
      const name = tidyCompanyName(input.name);
      await refuseTakenName(name, id);
      return db
        .transaction(async (trx) => {
          const company = await companyRepo.update(id, { name, portal_name: input.portalName || null }, trx);
          await record(trx, 'company.updated', id, actor, { name, portalName: input.portalName || null });
          return company!;
        })
        .catch((error) => nameTakenMeanwhile(error, name));
    },

    async remove(id, actor) {
      const company = await mustExist(id);
      const n = await contactRepo.countInCompany(id);
      if (n > 0) throw new AppError(409, `${company.name} still has ${n} contact${n === 1 ? '' : 's'}. Move or delete them first; nothing was deleted.`);
      await db.transaction(async (trx) => {
        await companyRepo.delete(id, trx).catch((error) => {
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

    all: () => companyRepo.allNames(),
    count: () => companyRepo.count(),
  };
}
