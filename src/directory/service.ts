// The directory: companies, their domains and contacts. resolve(email) answers "who may sign in
// with this address": the active contacts it belongs to, or nobody.
import type { Db } from '../db/index.js';

export interface Contact {
  id: number;
  company_id: number;
  email: string;
  first_name: string;
  last_name: string;
  phone: string | null;
  psa_contact_id: string | null;
  status: 'invited' | 'active' | 'disabled';
  last_sign_in_at: Date | null;
  /** The language of the contact's last sign-in (client mails use it); null before the first. */
  locale?: string | null;
  created_at?: Date;
  updated_at?: Date;
}

export interface ContactWithCompany extends Contact {
  company_name: string;
  company_portal_name: string | null;
}

export interface DirectoryService {
  /** Contacts (not disabled) that an address signs in as; empty when the address may not sign in. */
  resolve(email: string, db?: Db): Promise<Contact[]>;
  getContact(id: number, db?: Db): Promise<ContactWithCompany | undefined>;
  companyName(companyId: number): Promise<string | undefined>;
  /** A company's own portal name, when it has one. */
  companyPortalName(companyId: number, db?: Db): Promise<string | undefined>;
}

export function createDirectoryService(deps: { db: Db }): DirectoryService {
  return {
    async resolve(email, db = deps.db) {
      return db<Contact>('contacts').where({ email: email.toLowerCase() }).whereNot({ status: 'disabled' }).orderBy('id');
    },
    async getContact(id, db = deps.db) {
      return db('contacts')
        .join('companies', 'companies.id', 'contacts.company_id')
        .where('contacts.id', id)
        .first('contacts.*', 'companies.name as company_name', 'companies.portal_name as company_portal_name');
    },
    async companyName(companyId) {
      return (await deps.db('companies').where({ id: companyId }).first('name'))?.name;
    },
    async companyPortalName(companyId, db = deps.db) {
      const row = await db('companies').where({ id: companyId }).first('portal_name');
      return row?.portal_name || undefined;
    },
  };
}
