// Contacts as technicians manage them: search, create, edit, disable, sign out everywhere, invite, and
// CSV import (preview with row-level errors, then an idempotent upsert).
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { attributed, type ApiKeyActor, type AuditService } from '../audit/service.js';
import { contactAudience } from '../auth/audience.js';
import type { SignInService } from '../auth/sign-in.js';
import type { Db } from '../db/index.js';
import { isForeignKeyViolation, isUniqueViolation } from '../db/errors.js';
import { issueText, localeOr } from '../i18n/index.js';
import { emailDomain, emailSchema } from '../lib/email.js';
import { AppError, NotFoundError, ValidationError } from '../lib/errors.js';
import type { Clock } from '../lib/clock.js';
import { hasMarkupOrLineBreak } from '../lib/text-rules.js';
import type { MailComposer } from '../mail/compose.js';
import type { CompanyRepository } from './companies-repo.js';
import { tidyCompanyName } from './company-names.js';
import { CONTACT_CSV_COLUMNS, restoreCell, toCsv } from './contacts-csv.js';
import { isUsable, type ContactFilter, type ContactRepository, type ContactRow, type ContactWithCompany } from './contacts-repo.js';
import type { Page } from './paging.js';

type Contact = ContactRow;

export interface ContactInput {
  companyId: number;
  email: string;
  firstName: string;
  lastName: string;
  phone?: string | null;
}

// apiKey: the change came through the User API and is recorded as that key's (see audit/service.ts attributed).
type Actor = { staffId: number | null; ip?: string | null; apiKey?: ApiKeyActor };

export interface ImportRow {
  line: number;
  email: string;
  firstName: string;
  lastName: string;
  phone: string | null;
  companyId: number | null;
  companyName: string;
  /** How the company was found: by the company column (name in any case) or by the address's domain. */
  matchedBy: 'name' | 'domain' | null;
  /** What applying does with the row: a new contact, changed names/phone, or nothing. */
  action: 'create' | 'update' | 'unchanged' | null;
  /** The address already signs in (as this or another company's contact): it gets no invitation. */
  alreadyActive: boolean;
  errors: string[];
}

export interface ImportPreview {
  /** The stored draft to apply (absent when the file as a whole was refused). */
  draftId?: string;
  rows: ImportRow[];
  valid: number;
  invalid: number;
  /** A problem with the file as a whole (no header, too many rows). */
  fileError?: string;
}

export const IMPORT_MAX_ROWS = 5000;
/** More than this many contacts are not exported at once (filter the list). */
export const EXPORT_MAX_ROWS = 50_000;
const DRAFT_TTL_MS = 3_600_000;

export interface ContactService {
  list(query: ContactFilter & { page?: number; pageSize?: number }): Promise<Page<ContactWithCompany>>;
  /** The filtered list as a CSV file the import reads back unchanged; audited. */
  exportCsv(filter: ContactFilter, actor: Actor): Promise<{ csv: string; rows: number }>;
  get(id: number): Promise<ContactWithCompany>;
  create(input: ContactInput, actor: Actor): Promise<Contact>;
  update(id: number, input: ContactInput, actor: Actor): Promise<Contact>;
  /** Disables the contact and ends all their sessions. */
  disable(id: number, actor: Actor): Promise<void>;
  enable(id: number, actor: Actor): Promise<void>;
  signOutEverywhere(id: number, actor: Actor): Promise<number>;
  invite(id: number, actor: Actor): Promise<void>;
  /** Checks every row and keeps the file as a draft for applyImport. */
  previewImport(csv: string, actor: Actor): Promise<ImportPreview>;
  /** Upserts the valid rows of a previewed draft (on company + email); returns counts. Importing the same file twice changes nothing more. */
  applyImport(
    draftId: string,
    options: { sendInvitations: boolean },
    actor: Actor,
  ): Promise<{ created: number; updated: number; unchanged: number; skipped: number; invited: number; alreadyActive: number }>;
}

// Every change commits together with its audit event (one transaction), so the trail cannot miss a
// change that happened nor show one that was rolled back.
export function createContactService(deps: {
  db: Db;
  audit: AuditService;
  contactRepo: ContactRepository;
  companyRepo: CompanyRepository;
  signIn: SignInService;
  mail: MailComposer;
  clock: Clock;
}): ContactService {
  const { db, audit, contactRepo, companyRepo, signIn, mail, clock } = deps;
  const draftsFrom = () => new Date(clock.now().getTime() - DRAFT_TTL_MS);
  const record = (action: string, contactId: number, actor: Actor, detail: Record<string, unknown> = {}, database: Db = db) =>
    audit.record({ action, ...attributed(actor.staffId, actor.apiKey, detail), subject: { type: 'contact', id: contactId }, ip: actor.ip }, database);

  async function mustExist(id: number, database: Db = db): Promise<ContactWithCompany> {
    const contact = await contactRepo.getWithCompany(id, database);
    if (!contact) throw new NotFoundError('This contact does not exist.');
    return contact;
  }

  function duplicate(error: unknown): never {
    if (isUniqueViolation(error))
      throw new ValidationError('This company already has a contact with this address.', { email: 'This company already has a contact with this address.' });
    if (isForeignKeyViolation(error)) throw new ValidationError('Choose a company that exists.', { companyId: 'Choose a company that exists.' });
    throw error;
  }

  async function queueInvitation(trx: Db, contact: ContactWithCompany) {
    await mail.queue(trx, {
      to: contact.email,
      template: 'invitation',
      portalName: contact.company_portal_name,
      companyId: contact.company_id,
      // In the language the contact last signed in with (none yet: English).
      data: {
        portalUrl: mail.link(contactAudience.basePath, { email: contact.email }),
        email: contact.email,
        firstName: contact.first_name || contact.email,
        locale: localeOr(contact.locale),
      },
    });
  }

  // What applying would do with each valid row, from one query for all the file's addresses.
  async function decideActions(rows: ImportRow[], database: Db = db) {
    const valid = rows.filter((r) => r.errors.length === 0);
    const existing = await contactRepo.byEmails(
      valid.map((r) => r.email),
      database,
    );
    const byKey = new Map(existing.map((c) => [`${c.company_id}|${c.email}`, c]));
    const active = new Set(existing.filter((c) => c.status === 'active').map((c) => c.email));
    for (const row of valid) {
      const current = byKey.get(`${row.companyId}|${row.email}`);
      row.alreadyActive = active.has(row.email);
      if (!current) row.action = 'create';
      else {
        const after = mergedNames(row, current);
        const changed = after.first_name !== current.first_name || after.last_name !== current.last_name || after.phone !== current.phone;
        row.action = changed ? 'update' : 'unchanged';
      }
    }
  }

  // An empty cell keeps what the contact has.
  const mergedNames = (row: ImportRow, existing: ContactRow | undefined) => ({
    first_name: row.firstName || existing?.first_name || '',
    last_name: row.lastName || existing?.last_name || '',
    phone: row.phone ?? existing?.phone ?? null,
  });

  async function parseCsv(csv: string): Promise<ImportPreview> {
    let records: string[][];
    try {
      records = parse(csv.replace(/^\uFEFF/, ''), { skip_empty_lines: true, relax_column_count: true, trim: true });
    } catch (error) {
      return { rows: [], valid: 0, invalid: 0, fileError: `The file is not valid CSV: ${(error as Error).message.split('\n')[0]}` };
    }
    const [header, ...body] = records;
    const columns = (header ?? []).map((h) => h.toLowerCase().replace(/[\s-]+/g, '_'));
    const at = (name: string[]) => columns.findIndex((c) => name.includes(c));
    const idx = {
      email: at(['email', 'e_mail', 'email_address']),
      first: at(['first_name', 'firstname', 'given_name']),
      last: at(['last_name', 'lastname', 'surname', 'family_name']),
      company: at(['company', 'company_name']),
      phone: at(['phone', 'phone_number']),
    };
    if (idx.email < 0)
      return {
        rows: [],
        valid: 0,
        invalid: 0,
        fileError: 'The first line must name the columns, with at least "email" (also: first_name, last_name, company, phone).',
      };
    if (body.length > IMPORT_MAX_ROWS)
      return { rows: [], valid: 0, invalid: 0, fileError: `The file has ${body.length} rows; import at most ${IMPORT_MAX_ROWS} at a time.` };

    const companies = await companyRepo.allNames();
    const byName = new Map(companies.map((c) => [c.name.toLowerCase(), c]));
    const domains = await companyRepo.allDomains();
    const byDomain = new Map(domains.map((d) => [d.domain, { id: d.id, name: d.name }]));
    const seen = new Set<string>();

    const rows = body.map((cells, i): ImportRow => {
      const cell = (n: number) => (n >= 0 ? restoreCell((cells[n] ?? '').trim()) : '');
      const errors: string[] = [];
      const parsedEmail = emailSchema.safeParse(cell(idx.email));
      const email = parsedEmail.success ? parsedEmail.data : cell(idx.email);
      if (!parsedEmail.success) errors.push(`Bad address: ${issueText(parsedEmail.error.issues[0]!)}`);
      const companyName = tidyCompanyName(cell(idx.company));
      // Company names are unique in any case (007_company_name_unique_ci), so this finds at most one.
      const company = companyName ? byName.get(companyName.toLowerCase()) : parsedEmail.success ? byDomain.get(emailDomain(email)) : undefined;
      if (!company) errors.push(companyName ? `Unknown company "${companyName}"` : 'No company given, and the address is on no company domain');
      const key = `${company?.id ?? companyName}|${email}`;
      if (parsedEmail.success && seen.has(key)) errors.push('Duplicate in this file');
      seen.add(key);
      const [firstName, lastName, phone] = [cell(idx.first), cell(idx.last), cell(idx.phone)];
      if (firstName.length > 100 || lastName.length > 100) errors.push('Names have at most 100 characters');
      if (hasMarkupOrLineBreak(firstName + lastName + phone)) errors.push('Names and phone cannot contain line breaks, < or >');
      if (phone.length > 40) errors.push('Phone has at most 40 characters');
      return {
        line: i + 2,
        email,
        firstName,
        lastName,
        phone: phone || null,
        companyId: company?.id ?? null,
        companyName: company?.name ?? companyName,
        matchedBy: company ? (companyName ? 'name' : 'domain') : null,
        action: null,
        alreadyActive: false,
        errors,
      };
    });
    await decideActions(rows);
    const invalid = rows.filter((r) => r.errors.length).length;
    return { rows, valid: rows.length - invalid, invalid };
  }

  return {
    list: (query) => contactRepo.search(query),

    async exportCsv(filter, actor) {
      const contacts = await contactRepo.matching(filter, EXPORT_MAX_ROWS + 1);
      if (contacts.length > EXPORT_MAX_ROWS)
        throw new AppError(413, `More than ${EXPORT_MAX_ROWS} contacts match: filter the list (search or status) and export in parts.`);
      const csv = toCsv(
        CONTACT_CSV_COLUMNS,
        contacts.map((c) => [c.email, c.first_name, c.last_name, c.company_name, c.phone ?? '']),
      );
      const filters = { q: filter.q || undefined, status: filter.status };
      await audit.record({ action: 'contact.exported', ...attributed(actor.staffId, actor.apiKey, { rows: contacts.length, filters }), ip: actor.ip });
      return { csv, rows: contacts.length };
    },

    get: (id) => mustExist(id),

    create: (input, actor) =>
      db.transaction(async (trx) => {
        const contact = await contactRepo
          .insert(
            {
              company_id: input.companyId,
              email: input.email,
              first_name: input.firstName,
              last_name: input.lastName,
              phone: input.phone || null,
              status: 'invited',
            },
            trx,
          )
          .catch(duplicate);
        await record('contact.created', contact.id, actor, { email: input.email }, trx);
        return contact;
      }),

    async update(id, input, actor) {
      await mustExist(id);
      return db.transaction(async (trx) => {
        const contact = await contactRepo
          .update(
            id,
            { company_id: input.companyId, email: input.email, first_name: input.firstName, last_name: input.lastName, phone: input.phone || null },
            trx,
          )
          .catch(duplicate);
        await record('contact.updated', id, actor, { email: input.email }, trx);
        return contact!;
      });
    },

    async disable(id, actor) {
      await mustExist(id);
      await db.transaction(async (trx) => {
        await contactRepo.update(id, { status: 'disabled' }, trx);
        const ended = await signIn.revokeAll('contact', id, trx);
        await record('contact.disabled', id, actor, { sessionsEnded: ended }, trx);
      });
    },

    async enable(id, actor) {
      const contact = await mustExist(id);
      if (isUsable(contact)) return;
      await db.transaction(async (trx) => {
        await contactRepo.update(id, { status: contact.last_sign_in_at ? 'active' : 'invited' }, trx);
        await record('contact.enabled', id, actor, {}, trx);
      });
    },

    async signOutEverywhere(id, actor) {
      await mustExist(id);
      return db.transaction(async (trx) => {
        const ended = await signIn.revokeAll('contact', id, trx);
        await record('contact.signed_out_everywhere', id, actor, { sessionsEnded: ended }, trx);
        return ended;
      });
    },

    async invite(id, actor) {
      await db.transaction(async (trx) => {
        const contact = await mustExist(id, trx);
        if (!isUsable(contact)) throw new AppError(409, 'This contact is disabled: enable them before inviting them.');
        // An invitation says "you are invited to the portal": to someone who already signs in it is noise.
        if (contact.status === 'active') throw new AppError(409, `${contact.email} has already signed in (active): no invitation was sent.`);
        await queueInvitation(trx, contact);
        await record('contact.invited', id, actor, {}, trx);
      });
      mail.notify();
    },

    async previewImport(csv, actor) {
      const preview = await parseCsv(csv);
      if (preview.fileError) return preview;
      await db('import_drafts').where('created_at', '<', draftsFrom()).delete();
      const draftId = randomUUID();
      await db('import_drafts').insert({ id: draftId, staff_id: actor.staffId, csv, created_at: clock.now() });
      return { ...preview, draftId };
    },

    async applyImport(draftId, { sendInvitations }, actor) {
      const draft = /^[0-9a-f-]{36}$/.test(draftId)
        ? await db('import_drafts').where({ id: draftId, staff_id: actor.staffId }).where('created_at', '>', draftsFrom()).first()
        : undefined;
      if (!draft) throw new ValidationError('This preview has expired. Upload the file again.', { file: 'This preview has expired. Upload the file again.' });
      const preview = await parseCsv(draft.csv);
      const counts = { created: 0, updated: 0, unchanged: 0, skipped: preview.invalid, invited: 0, alreadyActive: 0 };
      await db.transaction(async (trx) => {
        for (const row of preview.rows.filter((r) => r.errors.length === 0)) {
          const existing = await contactRepo.inCompany(row.companyId!, row.email, trx);
          const names = mergedNames(row, existing);
          if (!existing) {
            const created = await contactRepo.insert({ company_id: row.companyId!, email: row.email, status: 'invited', ...names }, trx);
            counts.created += 1;
            // A person who already signs in (as another company's contact) is not invited again.
            const active = (await contactRepo.allByEmail(row.email, trx)).some((c) => c.status === 'active');
            if (sendInvitations && active) counts.alreadyActive += 1;
            if (sendInvitations && !active) {
              await queueInvitation(trx, (await contactRepo.getWithCompany(created.id, trx))!);
              counts.invited += 1;
            }
          } else if (existing.first_name !== names.first_name || existing.last_name !== names.last_name || existing.phone !== names.phone) {
            await contactRepo.update(existing.id, names, trx);
            counts.updated += 1;
          } else {
            counts.unchanged += 1;
          }
        }
        await audit.record({ action: 'contact.imported', actor: { type: 'staff', id: actor.staffId }, ip: actor.ip, detail: counts }, trx);
        await trx('import_drafts').where({ id: draftId }).delete();
      });
      if (counts.invited) mail.notify();
      return counts;
    },
  };
}
