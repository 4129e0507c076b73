// The console's PSA work, callable without HTTP: checking the connection, searching the PSA's companies,
// and linking a PSA company to a portal company or importing it as a new one. Each company write
// commits with its audit event.
import type { AuditService } from '../audit/service.js';
import type { Db } from '../db/index.js';
import { isUniqueViolation } from '../db/errors.js';
import type { CompanyRepository } from '../directory/companies-repo.js';
import { isCompanyNameTaken, tidyCompanyName } from '../directory/company-names.js';
import { AppError, NotFoundError } from '../lib/errors.js';
import { BUILTIN_DISPLAY_NAME } from './builtin.js';
import type { PsaEvents } from './events.js';
import { PsaError, type ConnectionCheck, type PsaAdapter, type PsaCompany } from './types.js';

type Actor = { staffId: number | null; ip?: string | null };

export interface PortalCompanyRef {
  id: number;
  name: string;
  psa_company_id: string | null;
}

export interface PsaCompanyMatch extends PsaCompany {
  /** The portal company already linked to it. */
  linkedTo?: PortalCompanyRef;
}

export interface LinkResult {
  companyId: number;
  psaCompany: PsaCompany;
}

/** Without a PSA there is nothing to search or link. */
export class NoPsaError extends AppError {
  constructor() {
    super(409, 'The built-in directory has nothing to link.');
  }
}

/** The PSA failed while linking; nothing was written. */
export class PsaUnavailableError extends AppError {
  constructor(error: PsaError) {
    super(502, `The PSA did not answer: ${error.message}. Nothing was linked; try again.`);
  }
}

export class AlreadyLinkedError extends AppError {
  constructor(message: string) {
    super(409, message);
  }
}

/** The PSA marks the company deleted or inactive: its contacts could not sign in, so it is not linked. */
export class InactivePsaCompanyError extends AppError {
  constructor(name: string) {
    super(409, `${name} is deleted or inactive in the PSA; its contacts cannot sign in, so it was not linked or imported.`);
  }
}

/** Importing would make a second company of a name the portal has (in any case): linking is what is meant. */
export class CompanyNameExistsError extends AppError {
  constructor(existing: { name: string }) {
    super(
      409,
      `A company named "${existing.name}" already exists (names that differ only in upper/lower case are the same name). ` +
        `Link the PSA company to ${existing.name} instead; nothing was imported.`,
    );
  }
}

export interface PsaLinking {
  /** The PSA's name for the console ("Built-in directory" without one). */
  readonly displayName: string;
  /** Whether there is a PSA to search and link (see builtin.ts). */
  readonly hasPsa: boolean;
  /** Asks the PSA (or, without one, the portal's directory) whether it answers; audited. */
  testConnection(actor: Actor): Promise<ConnectionCheck>;
  /** PSA companies whose name contains the query, with their portal company where linked; a PSA failure is returned, not thrown. */
  searchCompanies(query: string): Promise<{ results: PsaCompanyMatch[]; searchError?: string }>;
  /** Every portal company, by name, for the link picker. */
  portalCompanies(): Promise<PortalCompanyRef[]>;
  /** Links a PSA company to an existing portal company that has no PSA link yet. */
  linkCompany(input: { psaCompanyId: string; companyId: number }, actor: Actor): Promise<LinkResult>;
  /** Creates a portal company from a PSA company. */
  importCompany(input: { psaCompanyId: string }, actor: Actor): Promise<LinkResult>;
}

const SEARCH_LIMIT = 25;

export interface PsaLinkingDeps {
  db: Db;
  companyRepo: CompanyRepository;
  /** Undefined without a PSA (PSA_PROVIDER=builtin). */
  psa: PsaAdapter | undefined;
  displayName: string;
  audit: AuditService;
  events: PsaEvents;
}

export function createPsaLinking(deps: PsaLinkingDeps): PsaLinking {
  const { db, companyRepo, psa, audit, events } = deps;
  const actorOf = (actor: Actor) => ({ type: 'staff' as const, id: actor.staffId });

  // The PSA company as the PSA has it now, checked not to be linked already.
  async function unlinkedPsaCompany(adapter: PsaAdapter, psaCompanyId: string): Promise<PsaCompany> {
    let company: PsaCompany | undefined;
    try {
      company = await adapter.getCompany(psaCompanyId);
    } catch (error) {
      if (!(error instanceof PsaError)) throw error;
      await events.record({ provider: adapter.provider, operation: 'getCompany', error });
      throw new PsaUnavailableError(error);
    }
    if (!company) throw new NotFoundError('This company no longer exists in the PSA.');
    if (!company.active) throw new InactivePsaCompanyError(company.name);
    const taken = await companyRepo.byPsaId(company.id);
    if (taken) throw new AlreadyLinkedError(`${company.name} is already linked to the portal company ${taken.name}.`);
    return company;
  }

  // The PSA is asked before the transaction opens: no transaction is held across the network.
  async function link(psaCompanyId: string, write: (company: PsaCompany, trx: Db) => Promise<number>, actor: Actor, action: string): Promise<LinkResult> {
    if (!psa) throw new NoPsaError();
    const psaCompany = await unlinkedPsaCompany(psa, psaCompanyId);
    try {
      return await db.transaction(async (trx) => {
        const companyId = await write(psaCompany, trx);
        const detail = { psaCompanyId: psaCompany.id, name: psaCompany.name };
        await audit.record({ action, actor: actorOf(actor), subject: { type: 'company', id: companyId }, ip: actor.ip, detail }, trx);
        return { companyId, psaCompany };
      });
    } catch (error) {
      // A company of that name created a moment ago (the check in importCompany came first).
      const named = isCompanyNameTaken(error) ? await companyRepo.byName(tidyCompanyName(psaCompany.name)) : undefined;
      if (named) throw new CompanyNameExistsError(named);
      // Linked by someone else a moment ago.
      if (isUniqueViolation(error)) throw new AlreadyLinkedError(`${psaCompany.name} is already linked to a portal company.`);
      throw error;
    }
  }

  // Without a PSA the portal's own tables are the directory: they answer if the database does.
  async function directoryCheck(): Promise<ConnectionCheck> {
    return { ok: true, detail: `${BUILTIN_DISPLAY_NAME}: ${await companyRepo.count()} companies.` };
  }

  return {
    displayName: deps.displayName,
    hasPsa: psa !== undefined,

    async testConnection(actor) {
      const result: ConnectionCheck = psa ? await psa.checkConnection() : await directoryCheck();
      await audit.record({ action: 'psa.connection_tested', actor: actorOf(actor), ip: actor.ip, detail: result });
      return result;
    },

    async searchCompanies(query) {
      if (!psa || !query) return { results: [] };
      try {
        const found = await psa.searchCompanies(query, SEARCH_LIMIT);
        const linked = await companyRepo.byPsaIds(found.map((c) => c.id));
        return { results: found.map((c) => ({ ...c, linkedTo: linked.find((l) => l.psa_company_id === c.id) })) };
      } catch (error) {
        return { results: [], searchError: error instanceof Error ? error.message : String(error) };
      }
    },

    portalCompanies: async () => (await companyRepo.all()).map(({ id, name, psa_company_id }) => ({ id, name, psa_company_id })),

    linkCompany({ psaCompanyId, companyId }, actor) {
      return link(
        psaCompanyId,
        async (company, trx) => {
          const target = await companyRepo.getForUpdate(companyId, trx);
          if (!target) throw new NotFoundError('This portal company does not exist.');
          if (target.psa_company_id) {
            throw new AlreadyLinkedError(`${target.name} is already linked to PSA company #${target.psa_company_id}; nothing was changed.`);
          }
          await companyRepo.update(companyId, { psa_company_id: company.id }, trx);
          return companyId;
        },
        actor,
        'psa.company_linked',
      );
    },

    importCompany({ psaCompanyId }, actor) {
      return link(
        psaCompanyId,
        async (company, trx) => {
          const name = tidyCompanyName(company.name);
          const existing = await companyRepo.byName(name, trx);
          if (existing) throw new CompanyNameExistsError(existing);
          return (await companyRepo.insert({ name, portal_name: null, psa_company_id: company.id }, trx)).id;
        },
        actor,
        'psa.company_imported',
      );
    },
  };
}
