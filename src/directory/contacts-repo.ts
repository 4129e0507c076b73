// The one owner of the contacts table: its complete row type, and every query other modules need.
// Services (directory, resolver, console, portal, API, sign-in) ask this module rather than writing
// SQL on contacts, so a rule such as "a disabled contact is not usable" is stated once, here.
// Every method takes an optional database handle so a caller's transaction can run through it.
import type { Knex } from 'knex';
import type { Db } from '../db/index.js';
import { prepared } from '../db/prepared.js';
import type { Clock } from '../lib/clock.js';
import { escapeLike, pageOf, type Page } from './paging.js';

export type ContactStatus = 'invited' | 'active' | 'disabled';

/** A row of contacts: every column the migrations create (001_foundation, 005_locale). */
export interface ContactRow {
  id: number;
  company_id: number;
  /** Stored lower-case. Unique per company only: one person may be a contact of two companies. */
  email: string;
  first_name: string;
  last_name: string;
  phone: string | null;
  psa_contact_id: string | null;
  status: ContactStatus;
  /** The Microsoft (Entra) identity linked at the first Microsoft sign-in: tid + oid, lower-case. */
  entra_tenant_id: string | null;
  entra_object_id: string | null;
  terms_accepted_at: Date | null;
  terms_version: string | null;
  last_sign_in_at: Date | null;
  /** The language of the contact's last sign-in (client mails use it); null before the first. */
  locale: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface ContactWithCompany extends ContactRow {
  company_name: string;
  company_portal_name: string | null;
  /** Whether an invitation mail to this address was ever queued (the outbox keeps every mail). */
  invitation_sent: boolean;
  /** The status people see (ShownStatus). */
  shown_status: ShownStatus;
}

/**
 * The status people see: "invited" is stored from creation on (the contact may sign in, per the sign-in
 * rules), but it says "not invited yet" until an invitation was really queued. Derived rather than stored,
 * so no path that sends an invitation has to remember to flip it.
 */
export type ShownStatus = 'not_invited' | ContactStatus;
export const SHOWN_STATUSES: readonly ShownStatus[] = ['not_invited', 'invited', 'active', 'disabled'];

/** The contacts list's filters (console list, its CSV export, the User API list). */
export interface ContactFilter {
  q?: string;
  status?: ShownStatus;
}

/** Usable: may sign in and receive mail. A technician's "disabled" is the only thing that makes a contact unusable. */
export const isUsable = (contact: Pick<ContactRow, 'status'>): boolean => contact.status !== 'disabled';

export interface NewContact {
  company_id: number;
  email: string;
  first_name: string;
  last_name: string;
  phone: string | null;
  psa_contact_id?: string | null;
  status: ContactStatus;
}

export type ContactChanges = Partial<Pick<ContactRow, 'company_id' | 'email' | 'first_name' | 'last_name' | 'phone' | 'psa_contact_id' | 'status'>>;

export interface ContactRepository {
  get(id: number, db?: Db): Promise<ContactRow | undefined>;
  /** The contact and its company's name and portal name. */
  getWithCompany(id: number, db?: Db): Promise<ContactWithCompany | undefined>;
  /** The usable contact with this id, or undefined when it does not exist or is disabled. */
  getUsable(id: number, db?: Db): Promise<ContactRow | undefined>;
  /** Every contact of an address, disabled ones included, oldest first. */
  allByEmail(email: string, db?: Db): Promise<ContactRow[]>;
  /** The usable contacts of an address, oldest first: the accounts that address signs in as. */
  usableByEmail(email: string, db?: Db): Promise<ContactRow[]>;
  /** The contact of an address in one company (there is at most one). */
  inCompany(companyId: number, email: string, db?: Db): Promise<ContactRow | undefined>;
  byEntraIdentity(identity: { tenantId: string; objectId: string }, db?: Db): Promise<ContactRow | undefined>;
  /** Search by address, name or company name (and shown status), ordered by name. */
  search(query: ContactFilter & { page?: number; pageSize?: number }): Promise<Page<ContactWithCompany>>;
  /** Every contact the filter matches, in the list's order (the CSV export), at most `limit`. */
  matching(filter: ContactFilter, limit: number): Promise<ContactWithCompany[]>;
  /** Every contact of any of these addresses (CSV import preview). */
  byEmails(emails: string[], db?: Db): Promise<ContactRow[]>;
  countInCompany(companyId: number, db?: Db): Promise<number>;
  countUsable(db?: Db): Promise<number>;
  /** Throws the database's unique violation when the company has this address already. */
  insert(contact: NewContact, db?: Db): Promise<ContactRow>;
  /** Creates the contact, or updates the names and PSA link of the one the company has with this address. */
  upsertFromPsa(contact: NewContact & { psa_contact_id: string }, db?: Db): Promise<void>;
  update(id: number, changes: ContactChanges, db?: Db): Promise<ContactRow | undefined>;
  linkEntraIdentity(id: number, identity: { tenantId: string; objectId: string }, db?: Db): Promise<void>;
  recordTermsAccepted(id: number, version: string, db?: Db): Promise<void>;
  /** A sign-in: its time and the browser's language; an invited contact becomes active. The update is
   * returned unrun: await it, or write it as part of one statement (sign-in.ts). */
  recordSignIn(id: number, signIn: { at: Date; locale: string }, db?: Db): Knex.QueryBuilder;
}

export function createContactRepository(deps: { db: Db; clock: Clock }): ContactRepository {
  const { clock } = deps;
  const table = (db: Db) => db<ContactRow>('contacts');
  const withCompany = (db: Db) => db('contacts').join('companies', 'companies.id', 'contacts.company_id');
  // Read here, written by the mail outbox: whether an invitation to the address was ever queued (ShownStatus).
  const SENT = "exists (select 1 from outbox o where o.template = 'invitation' and o.to_address = contacts.email)";
  const withCompanyColumns = (db: Db) => [
    'contacts.*',
    'companies.name as company_name',
    'companies.portal_name as company_portal_name',
    db.raw(`${SENT} as invitation_sent`),
    db.raw(`case when contacts.status = 'invited' and not ${SENT} then 'not_invited' else contacts.status end as shown_status`),
  ];

  const filtered = ({ q = '', status }: ContactFilter) =>
    withCompany(deps.db).modify((query) => {
      const term = q.trim().toLowerCase();
      if (term) {
        const like = `%${escapeLike(term)}%`;
        query.where((w) =>
          w
            .whereRaw('contacts.email like ?', [like])
            .orWhereRaw("lower(contacts.first_name || ' ' || contacts.last_name) like ?", [like])
            .orWhereRaw('lower(companies.name) like ?', [like]),
        );
      }
      if (status === 'not_invited') query.where('contacts.status', 'invited').whereRaw(`not ${SENT}`);
      else if (status === 'invited') query.where('contacts.status', 'invited').whereRaw(SENT);
      else if (status) query.where('contacts.status', status);
    });
  const listOrder = [{ column: 'contacts.last_name' }, { column: 'contacts.first_name' }, { column: 'contacts.id' }];

  return {
    get: (id, db = deps.db) => table(db).where({ id }).first(),
    getWithCompany: (id, db = deps.db) =>
      withCompany(db)
        .where('contacts.id', id)
        .first(...withCompanyColumns(db)),
    getUsable: (id, db = deps.db) => table(db).where({ id }).whereNot({ status: 'disabled' }).first(),
    // Who an address is: asked by every sign-in (db/prepared.ts).
    allByEmail: (email, db = deps.db) => table(db).where({ email: email.toLowerCase() }).orderBy('id').options(prepared('contacts_by_email')),
    usableByEmail: (email, db = deps.db) =>
      table(db).where({ email: email.toLowerCase() }).whereNot({ status: 'disabled' }).orderBy('id').options(prepared('usable_contacts_by_email')),
    inCompany: (companyId, email, db = deps.db) => table(db).where({ company_id: companyId, email: email.toLowerCase() }).first(),
    byEntraIdentity: ({ tenantId, objectId }, db = deps.db) =>
      table(db).where({ entra_tenant_id: tenantId.toLowerCase(), entra_object_id: objectId.toLowerCase() }).first(),
    byEmails: (emails, db = deps.db) => (emails.length ? table(db).whereIn('email', [...new Set(emails.map((e) => e.toLowerCase()))]) : Promise.resolve([])),

    async search({ page = 1, pageSize = 25, ...filter }) {
      const base = filtered(filter);
      const [{ n }] = await base.clone().count({ n: '*' });
      const items = await base
        .clone()
        .select(...withCompanyColumns(deps.db))
        .orderBy(listOrder)
        .limit(pageSize)
        .offset((page - 1) * pageSize);
      return pageOf(items, Number(n), page, pageSize);
    },

    matching: (filter, limit) =>
      filtered(filter)
        .select(...withCompanyColumns(deps.db))
        .orderBy(listOrder)
        .limit(limit),

    async countInCompany(companyId, db = deps.db) {
      const [{ n }] = await db('contacts').where({ company_id: companyId }).count({ n: '*' });
      return Number(n);
    },
    async countUsable(db = deps.db) {
      const [{ n }] = await db('contacts').whereNot({ status: 'disabled' }).count({ n: '*' });
      return Number(n);
    },

    async insert(contact, db = deps.db) {
      const [row] = await table(db)
        .insert({ ...contact, email: contact.email.toLowerCase() })
        .returning('*');
      return row!;
    },
    async upsertFromPsa(contact, db = deps.db) {
      await table(db)
        .insert({ ...contact, email: contact.email.toLowerCase() })
        .onConflict(['company_id', 'email'])
        .merge({ first_name: contact.first_name, last_name: contact.last_name, psa_contact_id: contact.psa_contact_id, updated_at: clock.now() });
    },
    async update(id, changes, db = deps.db) {
      const [row] = await table(db)
        .where({ id })
        .update({ ...changes, updated_at: clock.now() })
        .returning('*');
      return row;
    },
    async linkEntraIdentity(id, { tenantId, objectId }, db = deps.db) {
      await table(db).where({ id }).update({ entra_tenant_id: tenantId.toLowerCase(), entra_object_id: objectId.toLowerCase(), updated_at: clock.now() });
    },
    async recordTermsAccepted(id, version, db = deps.db) {
      const now = clock.now();
      await table(db).where({ id }).update({ terms_accepted_at: now, terms_version: version, updated_at: now });
    },
    recordSignIn: (id, { at, locale }, db = deps.db) =>
      db('contacts')
        .where({ id })
        .update({ last_sign_in_at: at, updated_at: at, locale, status: db.raw(`case when status = 'invited' then 'active' else status end`) }),
  };
}
