// The directory as the sign-in methods read it: a contact with its company, and a company's names.
// The tables are owned by contacts-repo.ts and companies-repo.ts; the types are re-exported here because the
// sign-in code imports them from this module.
import type { Db } from '../db/index.js';
import type { CompanyRepository } from './companies-repo.js';
import type { ContactRepository, ContactRow, ContactWithCompany } from './contacts-repo.js';

export type { ContactWithCompany } from './contacts-repo.js';
/** A contact: the complete row of the contacts table. */
export type Contact = ContactRow;

export interface DirectoryService {
  getContact(id: number, db?: Db): Promise<ContactWithCompany | undefined>;
  companyName(companyId: number): Promise<string | undefined>;
  /** A company's own portal name, when it has one. */
  companyPortalName(companyId: number, db?: Db): Promise<string | undefined>;
}

export function createDirectoryService(deps: { contactRepo: ContactRepository; companyRepo: CompanyRepository }): DirectoryService {
  return {
    getContact: (id, db) => deps.contactRepo.getWithCompany(id, db),
    async companyName(companyId) {
      return (await deps.companyRepo.get(companyId))?.name;
    },
    async companyPortalName(companyId, db) {
      return (await deps.companyRepo.get(companyId, db))?.portal_name || undefined;
    },
  };
}
