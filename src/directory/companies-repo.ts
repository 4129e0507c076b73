// The one owner of the companies, company_domains and company_tenants tables: complete row types and
// the queries other modules need. A domain and an Entra tenant each belong to exactly one company.
// Every method takes an optional database handle so a caller's transaction can run through it.
import type { Db } from '../db/index.js';
import type { Clock } from '../lib/clock.js';
import { tidyCompanyName } from './company-names.js';
import { escapeLike, pageOf, type Page } from './paging.js';

/** A row of companies (001_foundation). */
export interface CompanyRow {
  id: number;
  name: string;
  /** The PSA's id of the company this one mirrors; null for a portal-only company. */
  psa_company_id: string | null;
  /** The portal name shown to this company's contacts instead of the Mail Token one. */
  portal_name: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A row of company_domains: `domain` is lower-case, normalized before insert (domains.ts). */
export interface CompanyDomainRow {
  id: number;
  company_id: number;
  domain: string;
  created_at: Date;
}

/** A row of company_tenants: an Entra tenant id (lower-case uuid) whose users are this company's. */
export interface CompanyTenantRow {
  id: number;
  company_id: number;
  tenant_id: string;
  created_at: Date;
}

export type CompanyListItem = CompanyRow & { domains: string[]; contact_count: number };

/** What a company owns exactly one of per value: its email domains and its Entra tenants. */
export type OwnedKind = 'domain' | 'tenant';
const ownedTables = { domain: { table: 'company_domains', column: 'domain' }, tenant: { table: 'company_tenants', column: 'tenant_id' } } as const;

export interface CompanyRepository {
  get(id: number, db?: Db): Promise<CompanyRow | undefined>;
  byPsaId(psaCompanyId: string, db?: Db): Promise<CompanyRow | undefined>;
  /** The company with this name in any upper/lower case (names are unique that way: 007_company_name_unique_ci). */
  byName(name: string, db?: Db): Promise<CompanyRow | undefined>;
  /** The portal companies linked to any of these PSA companies. */
  byPsaIds(psaCompanyIds: string[], db?: Db): Promise<CompanyRow[]>;
  /** The row, locked until the transaction `trx` ends (a link is decided on it). */
  getForUpdate(id: number, trx: Db): Promise<CompanyRow | undefined>;
  /** Every company, by name. */
  all(db?: Db): Promise<CompanyRow[]>;
  /** Every company's id and name, by name (pickers, CSV import). */
  allNames(db?: Db): Promise<Array<{ id: number; name: string }>>;
  count(db?: Db): Promise<number>;
  /** Search by name or domain, ordered by name, with each company's domains and number of contacts. */
  search(query: { q?: string; page?: number; pageSize?: number }): Promise<Page<CompanyListItem>>;
  insert(company: { name: string; portal_name: string | null; psa_company_id?: string | null }, db?: Db): Promise<CompanyRow>;
  update(id: number, changes: Partial<Pick<CompanyRow, 'name' | 'portal_name' | 'psa_company_id'>>, db?: Db): Promise<CompanyRow | undefined>;
  /** Throws the database's foreign-key violation while the company has contacts. */
  delete(id: number, db?: Db): Promise<void>;
  /**
   * The id of the portal company mirroring a PSA company, created on first sight (an existing one keeps its name).
   * A new one whose name another company has already (in any case) is named "<name> (PSA #<id>)".
   */
  importFromPsa(company: { psaCompanyId: string; name: string }, db?: Db): Promise<number>;

  domainsOf(companyId: number, db?: Db): Promise<Array<Pick<CompanyDomainRow, 'id' | 'domain'>>>;
  tenantsOf(companyId: number, db?: Db): Promise<Array<Pick<CompanyTenantRow, 'id' | 'tenant_id'>>>;
  /** Every domain with its company (CSV import places rows by address). */
  allDomains(db?: Db): Promise<Array<{ domain: string; id: number; name: string }>>;
  /** The company whose domain this is (the domain of an address: emailDomain). */
  companyOfDomain(domain: string, db?: Db): Promise<number | undefined>;
  companyOfTenant(tenantId: string, db?: Db): Promise<number | undefined>;
  hasDomain(companyId: number, domain: string, db?: Db): Promise<boolean>;
  /** The company a domain or tenant belongs to, with its name. */
  ownerOf(kind: OwnedKind, value: string, db?: Db): Promise<{ id: number; name: string } | undefined>;
  /** Throws the database's unique violation when some company owns the value already. */
  addOwned(kind: OwnedKind, companyId: number, value: string, db?: Db): Promise<void>;
  /** The value of one of the company's domain or tenant rows, or undefined when it has no such row. */
  ownedValue(kind: OwnedKind, companyId: number, rowId: number, db?: Db): Promise<string | undefined>;
  removeOwned(kind: OwnedKind, rowId: number, db?: Db): Promise<void>;
}

export function createCompanyRepository(deps: { db: Db; clock: Clock }): CompanyRepository {
  const { clock } = deps;
  const companies = (db: Db) => db<CompanyRow>('companies');

  return {
    get: (id, db = deps.db) => companies(db).where({ id }).first(),
    byPsaId: (psaCompanyId, db = deps.db) => companies(db).where({ psa_company_id: psaCompanyId }).first(),
    byName: (name, db = deps.db) => companies(db).whereRaw('lower(name) = lower(?)', [name]).first(),
    byPsaIds: (psaCompanyIds, db = deps.db) => companies(db).whereIn('psa_company_id', psaCompanyIds),
    getForUpdate: (id, trx) => companies(trx).where({ id }).forUpdate().first(),
    all: (db = deps.db) => companies(db).orderBy('name'),
    allNames: (db = deps.db) => companies(db).orderBy('name').select('id', 'name'),
    async count(db = deps.db) {
      const [{ n }] = await db('companies').count({ n: '*' });
      return Number(n);
    },

    async search({ q = '', page = 1, pageSize = 25 }) {
      const db = deps.db;
      const base = db('companies').modify((query) => {
        if (q.trim()) {
          const like = `%${escapeLike(q.trim().toLowerCase())}%`;
          query.where((w) =>
            w
              .whereRaw('lower(companies.name) like ?', [like])
              .orWhereExists(db('company_domains').whereRaw('company_domains.company_id = companies.id').andWhere('domain', 'like', like)),
          );
        }
      });
      const [{ n }] = await base.clone().count({ n: '*' });
      const rows = await base
        .clone()
        .select(
          'companies.*',
          db.raw(`coalesce((select string_agg(domain, ',' order by domain) from company_domains d where d.company_id = companies.id), '') as domains`),
          // One aggregate in the same query rather than a call per row to the contacts repository.
          db.raw('(select count(*) from contacts c where c.company_id = companies.id)::int as contact_count'),
        )
        .orderBy('companies.name')
        .limit(pageSize)
        .offset((page - 1) * pageSize);
      return pageOf(
        rows.map((r: CompanyRow & { domains: string; contact_count: number }) => ({ ...r, domains: r.domains ? r.domains.split(',') : [] })),
        Number(n),
        page,
        pageSize,
      );
    },

    async insert(company, db = deps.db) {
      const [row] = await companies(db).insert(company).returning('*');
      return row!;
    },
    async update(id, changes, db = deps.db) {
      const [row] = await companies(db)
        .where({ id })
        .update({ ...changes, updated_at: clock.now() })
        .returning('*');
      return row;
    },
    async delete(id, db = deps.db) {
      await companies(db).where({ id }).delete();
    },
    async importFromPsa({ psaCompanyId, name }, db = deps.db) {
      // Made on the fly during a sign-in, so it must not fail on a name clash: a company the MSP already
      // has under that name is not linked by name (that is a technician's decision), the new one is set apart.
      name = tidyCompanyName(name);
      const clash = await companies(db).whereRaw('lower(name) = lower(?)', [name]).first();
      if (clash && clash.psa_company_id !== psaCompanyId) name = `${name} (PSA #${psaCompanyId})`;
      const [row] = await db('companies')
        .insert({ name, psa_company_id: psaCompanyId })
        .onConflict('psa_company_id')
        .merge({ updated_at: clock.now() })
        .returning('id');
      return row.id;
    },

    domainsOf: (companyId, db = deps.db) => db('company_domains').where({ company_id: companyId }).orderBy('domain').select('id', 'domain'),
    tenantsOf: (companyId, db = deps.db) => db('company_tenants').where({ company_id: companyId }).orderBy('tenant_id').select('id', 'tenant_id'),
    allDomains: (db = deps.db) =>
      db('company_domains').join('companies', 'companies.id', 'company_domains.company_id').select('domain', 'companies.id', 'companies.name'),
    async companyOfDomain(domain, db = deps.db) {
      return (await db('company_domains').where({ domain }).first('company_id'))?.company_id;
    },
    async companyOfTenant(tenantId, db = deps.db) {
      return (await db('company_tenants').where({ tenant_id: tenantId.toLowerCase() }).first('company_id'))?.company_id;
    },
    async hasDomain(companyId, domain, db = deps.db) {
      return Boolean(await db('company_domains').where({ company_id: companyId, domain }).first('id'));
    },
    ownerOf(kind, value, db = deps.db) {
      const { table, column } = ownedTables[kind];
      return db(table)
        .join('companies', 'companies.id', `${table}.company_id`)
        .where({ [column]: value })
        .first('companies.id', 'companies.name');
    },
    async addOwned(kind, companyId, value, db = deps.db) {
      const { table, column } = ownedTables[kind];
      await db(table).insert({ company_id: companyId, [column]: value });
    },
    async ownedValue(kind, companyId, rowId, db = deps.db) {
      const { table, column } = ownedTables[kind];
      const row = await db(table).where({ id: rowId, company_id: companyId }).first(column);
      return row?.[column];
    },
    async removeOwned(kind, rowId, db = deps.db) {
      await db(ownedTables[kind].table).where({ id: rowId }).delete();
    },
  };
}
