// Company names are unique regardless of case (the index of 007_company_name_unique_ci), and every name
// is stored tidied, so "Acme  GmbH " and "acme gmbh" are seen as the one name they are.
import { isUniqueViolation } from '../db/errors.js';
import { ValidationError } from '../lib/errors.js';

export const COMPANY_NAME_INDEX = 'companies_name_lower_unique';

/** Trimmed, with every run of white space one space: how a company name is stored and compared. */
export const tidyCompanyName = (name: string): string => name.replace(/\s+/g, ' ').trim();

/** The database refused a company name another company has (in any case). */
export const isCompanyNameTaken = (error: unknown): boolean => isUniqueViolation(error) && (error as { constraint?: string }).constraint === COMPANY_NAME_INDEX;

/** The refusal, naming the company that has the name, beside the name field. */
export class CompanyNameTakenError extends ValidationError {
  constructor(readonly existing: { id: number; name: string }) {
    const message = `A company named "${existing.name}" already exists (names that differ only in upper/lower case count as the same). Choose another name.`;
    super(message, { name: message });
  }
}
