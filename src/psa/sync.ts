// The console's sync view: a page of portal companies beside the PSA companies they are linked to, each
// flagged where the two disagree. Bounded: one page of companies, one getCompany per linked company, at most
// SYNC_CONCURRENCY at once (Autotask allows 3 threads per endpoint); a PSA failure marks the row, not the page.
import type { CompanyRepository } from '../directory/companies-repo.js';
import type { Page } from '../directory/paging.js';
import type { PsaAdapter, PsaCompany } from './types.js';

export const SYNC_PAGE_SIZE = 25;
const SYNC_CONCURRENCY = 2;

export type SyncFlag = 'deleted_or_inactive' | 'missing' | 'name_differs' | 'unreachable';

export interface SyncRow {
  companyId: number;
  name: string;
  psaCompanyId: string | null;
  /** What the PSA answered now; undefined when not linked, missing or unreachable. */
  psaCompany?: PsaCompany;
  flags: SyncFlag[];
}

export interface PsaSyncView {
  page(page: number): Promise<Page<SyncRow>>;
}

/** Runs `work` over items with at most `limit` running at once, keeping the order. */
async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

export function createPsaSyncView(deps: { companyRepo: CompanyRepository; psa: PsaAdapter | undefined }): PsaSyncView {
  const { companyRepo, psa } = deps;

  async function rowOf(company: { id: number; name: string; psa_company_id: string | null }): Promise<SyncRow> {
    const row: SyncRow = { companyId: company.id, name: company.name, psaCompanyId: company.psa_company_id, flags: [] };
    if (!psa || !company.psa_company_id) return row;
    let psaCompany: PsaCompany | undefined;
    try {
      psaCompany = await psa.getCompany(company.psa_company_id);
    } catch {
      return { ...row, flags: ['unreachable'] };
    }
    if (!psaCompany) return { ...row, flags: ['missing'] };
    const flags: SyncFlag[] = [];
    if (!psaCompany.active) flags.push('deleted_or_inactive');
    // The portal's own name (not portal_name, which is the name shown to clients) is what was imported.
    if (psaCompany.name.trim().toLowerCase() !== company.name.trim().toLowerCase()) flags.push('name_differs');
    return { ...row, psaCompany, flags };
  }

  return {
    async page(page) {
      const listed = await companyRepo.search({ page, pageSize: SYNC_PAGE_SIZE });
      return { ...listed, items: await mapLimited(listed.items, SYNC_CONCURRENCY, rowOf) };
    },
  };
}
