// The services behind the console and the portal, called without HTTP: the contacts repository
// (complete row type, the one "usable" rule), changes that commit with their audit event or not at
// all, the settings and dashboard services, and a contact's own sessions through the sign-in service.
import { randomUUID } from 'node:crypto';
import type { AuditService } from '../../src/audit/service.js';
import { createCompanyService } from '../../src/directory/companies.js';
import { createContactService } from '../../src/directory/contacts.js';
import type { CompanyRow } from '../../src/directory/companies-repo.js';
import type { ContactRow } from '../../src/directory/contacts-repo.js';
import { ValidationError } from '../../src/lib/errors.js';
import { createSettingsAdmin } from '../../src/settings/admin.js';
import { createStaffAdmin } from '../../src/staff/admin.js';
import type { Staff } from '../../src/staff/service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createCompany, createContact } from '../helpers/factories.js';

let t: TestApp;
let staffId: number;

beforeAll(async () => {
  t = await startTestApp({ noSmtp: true });
  staffId = (await t.services.staff.create({ email: `ada-${Date.now()}@msp.example`, name: 'Ada', role: 'admin' })).id;
});
afterAll(async () => t.close());

const actor = () => ({ staffId, ip: '192.0.2.1' });
const eventsFor = (action: string, subjectType: string, subjectId: number | string) =>
  t.services.db('audit_events').where({ action, subject_type: subjectType, subject_id: String(subjectId) });

// Writes the event through the caller's transaction, then fails: if the change did not share that
// transaction, the row (and the event) would stay behind.
class AuditDown extends Error {}
const failingAudit = (): AuditService => ({
  ...t.services.audit,
  async record(event, db) {
    await t.services.audit.record(event, db);
    throw new AuditDown('audit store down');
  },
});

describe('contacts repository', () => {
  it('reads every column of the contacts table into its row type', async () => {
    // Record<keyof ContactRow, true>: the compiler checks this list names every field of the type, and no other.
    const fields: Record<keyof ContactRow, true> = {
      id: true,
      company_id: true,
      email: true,
      first_name: true,
      last_name: true,
      phone: true,
      psa_contact_id: true,
      status: true,
      entra_tenant_id: true,
      entra_object_id: true,
      terms_accepted_at: true,
      terms_version: true,
      last_sign_in_at: true,
      locale: true,
      created_at: true,
      updated_at: true,
    };
    const { id } = await createContact(t.services.db);
    const row = await t.services.contactRepo.get(id);
    expect(Object.keys(row!).sort()).toEqual(Object.keys(fields).sort());
  });

  it('states "usable" once: a disabled contact is found by id and address, but is not usable', async () => {
    const company = await createCompany(t.services.db);
    const email = `usable-${Date.now()}@contoso.example`;
    const active = await createContact(t.services.db, { companyId: company.id, email });
    const disabled = await createContact(t.services.db, { email, status: 'disabled' });
    const repo = t.services.contactRepo;
    expect((await repo.usableByEmail(email.toUpperCase())).map((c) => c.id)).toEqual([active.id]);
    expect((await repo.allByEmail(email)).map((c) => c.id)).toEqual([active.id, disabled.id]);
    expect(await repo.getUsable(disabled.id)).toBeUndefined();
    expect((await repo.getUsable(active.id))?.id).toBe(active.id);
    expect((await repo.inCompany(company.id, email))?.id).toBe(active.id);
    expect(await repo.countUsable()).toBe(Number((await t.services.db('contacts').whereNot({ status: 'disabled' }).count({ n: '*' }))[0]!.n));
  });

  it('records a sign-in: time, language, and an invited contact becomes active (a disabled one stays disabled)', async () => {
    const invited = await createContact(t.services.db, { status: 'invited' });
    const disabled = await createContact(t.services.db, { status: 'disabled' });
    const at = new Date('2026-11-05T10:00:00Z');
    for (const { id } of [invited, disabled]) await t.services.contactRepo.recordSignIn(id, { at, locale: 'de' });
    const row = await t.services.contactRepo.get(invited.id);
    expect(row).toMatchObject({ status: 'active', locale: 'de', last_sign_in_at: at });
    expect((await t.services.contactRepo.get(disabled.id))?.status).toBe('disabled');
  });

  it('links an Entra identity and finds the contact by it', async () => {
    const { id } = await createContact(t.services.db);
    const identity = { tenantId: randomUUID().toUpperCase(), objectId: randomUUID() };
    await t.services.contactRepo.linkEntraIdentity(id, identity);
    const found = await t.services.contactRepo.byEntraIdentity(identity);
    expect(found?.id).toBe(id);
    expect(found?.entra_tenant_id).toBe(identity.tenantId.toLowerCase());
  });
});

describe('companies repository and the resolver', () => {
  it('reads every column of the companies table into its row type', async () => {
    const fields: Record<keyof CompanyRow, true> = { id: true, name: true, psa_company_id: true, portal_name: true, created_at: true, updated_at: true };
    const { id } = await createCompany(t.services.db);
    expect(Object.keys((await t.services.companyRepo.get(id))!).sort()).toEqual(Object.keys(fields).sort());
  });

  it('finds the company of a domain and of a tenant, and the owner of either', async () => {
    const domain = `owned-${Date.now()}.example`;
    const company = await createCompany(t.services.db, { domains: [domain] });
    const tenantId = randomUUID();
    await t.services.companies.addTenant(company.id, tenantId.toUpperCase(), actor());
    const repo = t.services.companyRepo;
    expect(await repo.companyOfDomain(domain)).toBe(company.id);
    expect(await repo.companyOfTenant(tenantId.toUpperCase())).toBe(company.id);
    expect(await repo.hasDomain(company.id, domain)).toBe(true);
    expect(await repo.ownerOf('tenant', tenantId)).toEqual({ id: company.id, name: company.name });
    expect(await repo.companyOfDomain(`other-${domain}`)).toBeUndefined();
  });

  it('answers who may sign in with an address from local data: usable contacts, a domain, or nobody', async () => {
    const domain = `who-${Date.now()}.example`;
    const company = await createCompany(t.services.db, { domains: [domain] });
    const known = await createContact(t.services.db, { companyId: company.id, email: `known@${domain}` });
    await createContact(t.services.db, { companyId: company.id, email: `gone@${domain}`, status: 'disabled' });
    const { resolver } = t.services;
    const answer = await resolver.whoMaySignInLocally(`known@${domain}`);
    expect(answer.kind === 'contacts' && answer.contacts.map((c) => c.id)).toEqual([known.id]);
    expect(await resolver.whoMaySignInLocally(`gone@${domain}`)).toEqual({ kind: 'none' });
    expect(await resolver.whoMaySignInLocally(`new@${domain}`)).toEqual({ kind: 'domain', companyId: company.id });
    expect(await resolver.whoMaySignIn(`new@${domain}`)).toEqual({ kind: 'domain', companyId: company.id });
  });
});

describe('a change commits with its audit event', () => {
  it('company: created, renamed, given a domain and deleted together with the event, or not at all', async () => {
    const { db, contactRepo, companyRepo } = t.services;
    const broken = createCompanyService({ db, audit: failingAudit(), companyRepo, contactRepo });
    const name = `Atomic ${Date.now()}`;
    await expect(broken.create({ name }, actor())).rejects.toBeInstanceOf(AuditDown);
    expect(await db('companies').where({ name })).toHaveLength(0);

    const company = await t.services.companies.create({ name }, actor());
    expect(await eventsFor('company.created', 'company', company.id)).toHaveLength(1);
    await expect(broken.update(company.id, { name: `${name} renamed` }, actor())).rejects.toBeInstanceOf(AuditDown);
    expect((await db('companies').where({ id: company.id }).first()).name).toBe(name);
    const domain = `atomic-${Date.now()}.example`;
    await expect(broken.addDomain(company.id, domain, actor())).rejects.toBeInstanceOf(AuditDown);
    expect(await db('company_domains').where({ domain })).toHaveLength(0);
    await expect(broken.remove(company.id, actor())).rejects.toBeInstanceOf(AuditDown);
    expect(await db('companies').where({ id: company.id })).toHaveLength(1);
    expect(await eventsFor('company.updated', 'company', company.id)).toHaveLength(0);
    expect(await eventsFor('company.deleted', 'company', company.id)).toHaveLength(0);

    await t.services.companies.remove(company.id, actor());
    expect(await db('companies').where({ id: company.id })).toHaveLength(0);
    expect(await eventsFor('company.deleted', 'company', company.id)).toHaveLength(1);
  });

  it('contact: created, edited, enabled and signed out together with the event, or not at all', async () => {
    const s = t.services;
    const broken = createContactService({
      db: s.db,
      audit: failingAudit(),
      contactRepo: s.contactRepo,
      companyRepo: s.companyRepo,
      signIn: s.signIn,
      mail: s.mail,
      clock: s.clock,
    });
    const company = await createCompany(s.db);
    const email = `atomic-${Date.now()}@contoso.example`;
    const input = { companyId: company.id, email, firstName: 'Ann', lastName: 'Atom' };
    await expect(broken.create(input, actor())).rejects.toBeInstanceOf(AuditDown);
    expect(await s.db('contacts').where({ email })).toHaveLength(0);

    const contact = await s.contacts.create(input, actor());
    expect(await eventsFor('contact.created', 'contact', contact.id)).toHaveLength(1);
    await expect(broken.update(contact.id, { ...input, firstName: 'Changed' }, actor())).rejects.toBeInstanceOf(AuditDown);
    expect((await s.contactRepo.get(contact.id))?.first_name).toBe('Ann');

    await s.contacts.disable(contact.id, actor());
    await expect(broken.enable(contact.id, actor())).rejects.toBeInstanceOf(AuditDown);
    expect((await s.contactRepo.get(contact.id))?.status).toBe('disabled');
    await s.contacts.enable(contact.id, actor());
    expect((await s.contactRepo.get(contact.id))?.status).toBe('invited');

    await s
      .db('auth_sessions')
      .insert({ id: randomUUID(), kind: 'contact', contact_id: contact.id, method: 'email_link', created_at: s.clock.now(), last_seen_at: s.clock.now() });
    await expect(broken.signOutEverywhere(contact.id, actor())).rejects.toBeInstanceOf(AuditDown);
    expect(await s.signIn.listSessions('contact', contact.id)).toHaveLength(1);
    expect(await s.contacts.signOutEverywhere(contact.id, actor())).toBe(1);
    expect(await eventsFor('contact.signed_out_everywhere', 'contact', contact.id)).toHaveLength(1);
  });
});

describe('settings admin', () => {
  it('saves sign-in settings with their event, and refuses terms without a version', async () => {
    const admin = t.services.settingsAdmin;
    await admin.saveAccess({ staffEmailToken: false, magicLinksEnabled: true, magicLinkMinutes: 30, signInPolicy: 'invited_only' }, actor());
    expect((await t.services.settings.get('signin_policy')).mode).toBe('invited_only');
    expect(await t.services.db('audit_events').where({ action: 'settings.access_changed', actor_id: staffId })).toHaveLength(1);

    const portal = {
      termsText: 'Be kind.',
      termsVersion: '',
      mode: 'browser' as const,
      rememberDays: 30,
      idleMinutes: 720,
      absoluteHours: 168,
      beyondLevel2: true,
    };
    const refused = await admin.savePortal(portal, actor()).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).fieldErrors.termsVersion).toBeDefined();
    expect(await t.services.db('audit_events').where({ action: 'settings.portal_changed', actor_id: staffId })).toHaveLength(0);

    await admin.saveAccess({ staffEmailToken: false, magicLinksEnabled: true, magicLinkMinutes: 30, signInPolicy: 'domain' }, actor());
  });

  it('writes no setting when its event cannot be recorded', async () => {
    const s = t.services;
    const broken = createSettingsAdmin({ db: s.db, settings: s.settings, audit: failingAudit(), mail: s.mail, jwtLogin: s.jwtLogin });
    const before = await s.settings.get('magic_link', s.db);
    await expect(
      broken.saveAccess({ staffEmailToken: true, magicLinksEnabled: !before.enabled, magicLinkMinutes: 45, signInPolicy: 'domain' }, actor()),
    ).rejects.toBeInstanceOf(AuditDown);
    expect(await s.settings.get('magic_link', s.db)).toEqual(before);
  });
});

describe('dashboard', () => {
  it('counts companies, usable contacts and waiting mail from their owners', async () => {
    const before = await t.services.dashboard.summary();
    const company = await createCompany(t.services.db);
    await createContact(t.services.db, { companyId: company.id });
    await createContact(t.services.db, { companyId: company.id, status: 'disabled' });
    const after = await t.services.dashboard.summary();
    expect(after.counts.companies).toBe(before.counts.companies + 1);
    expect(after.counts.contacts).toBe(before.counts.contacts + 1);
    expect(after.counts.waiting).toBe(before.counts.waiting);
    expect(Array.isArray(after.recentSignIns)).toBe(true);
  });
});

describe("a contact's own sessions (sign-in service)", () => {
  it('lists the sessions not ended, ends one of their own only, and ends all others but the current', async () => {
    const { db, clock, signIn } = t.services;
    const mine = await createContact(db);
    const theirs = await createContact(db);
    const session = (contactId: number, minutesAgo: number) => {
      const at = new Date(clock.now().getTime() - minutesAgo * 60_000);
      return {
        id: randomUUID(),
        kind: 'contact',
        contact_id: contactId,
        method: 'email_code',
        ip: '192.0.2.7',
        user_agent: 'test',
        created_at: at,
        last_seen_at: at,
      };
    };
    const [current, older, oldest, other] = [session(mine.id, 1), session(mine.id, 5), session(mine.id, 9), session(theirs.id, 1)];
    await db('auth_sessions').insert([current, older, oldest, other]);

    expect((await signIn.listSessions('contact', mine.id)).map((s) => s.id)).toEqual([current.id, older.id, oldest.id]);
    expect(await signIn.revokeSession('contact', mine.id, other.id)).toBe(false);
    expect(await signIn.revokeSession('contact', mine.id, older.id)).toBe(true);
    expect(await signIn.revokeSession('contact', mine.id, older.id)).toBe(false);
    expect(await signIn.revokeOtherSessions('contact', mine.id, current.id)).toBe(1);
    expect((await signIn.listSessions('contact', mine.id)).map((s) => s.id)).toEqual([current.id]);
    expect(await signIn.listSessions('contact', theirs.id)).toHaveLength(1);
  });
});

describe('staff: the table owner and its changes', () => {
  it('reads every column of the staff table into its row type', async () => {
    const fields: Record<keyof Staff, true> = {
      id: true,
      email: true,
      name: true,
      role: true,
      entra_tenant_id: true,
      entra_object_id: true,
      disabled: true,
      last_sign_in_at: true,
      created_at: true,
      updated_at: true,
    };
    const row = await t.services.staff.get(staffId);
    expect(Object.keys(row!).sort()).toEqual(Object.keys(fields).sort());
    const columns = await t.services.db('staff').columnInfo();
    expect(Object.keys(columns).sort()).toEqual(Object.keys(fields).sort());
  });

  it('creates a member together with its event, or not at all', async () => {
    const s = t.services;
    const email = `tech-${randomUUID()}@msp.example`;
    const broken = createStaffAdmin({ db: s.db, staff: s.staff, audit: failingAudit(), signIn: s.signIn });
    await expect(broken.create({ email, name: 'Tess', role: 'technician' }, { type: 'staff', id: staffId })).rejects.toBeInstanceOf(AuditDown);
    expect(await s.staff.byEmail(email)).toBeUndefined();

    const member = await s.staffAdmin.create({ email, name: 'Tess', role: 'technician' }, { type: 'staff', id: staffId }, { ip: '192.0.2.9' });
    const [event] = await eventsFor('staff.created', 'staff', member.id);
    expect(event).toMatchObject({ actor_type: 'staff', actor_id: staffId, ip: '192.0.2.9' });
  });

  it('disabling ends their sessions in the same transaction as the change and its event', async () => {
    const s = t.services;
    const member = await s.staffAdmin.create({ email: `tech-${randomUUID()}@msp.example`, name: 'Tom', role: 'technician' }, { type: 'system' });
    const now = s.clock.now();
    await s.db('auth_sessions').insert({ id: randomUUID(), kind: 'staff', staff_id: member.id, method: 'email_code', created_at: now, last_seen_at: now });
    const broken = createStaffAdmin({ db: s.db, staff: s.staff, audit: failingAudit(), signIn: s.signIn });
    await expect(broken.change(member.id, { role: 'technician', disabled: true }, { type: 'staff', id: staffId })).rejects.toBeInstanceOf(AuditDown);
    expect((await s.staff.get(member.id))!.disabled).toBe(false);
    expect(await s.signIn.listSessions('staff', member.id)).toHaveLength(1);

    await s.staffAdmin.change(member.id, { role: 'technician', disabled: true }, { type: 'staff', id: staffId });
    expect((await s.staff.get(member.id))!.disabled).toBe(true);
    expect(await s.signIn.listSessions('staff', member.id)).toHaveLength(0);
    expect(await eventsFor('staff.updated', 'staff', member.id)).toHaveLength(1);
  });

  it('refuses to let a member demote or disable themselves', async () => {
    await expect(t.services.staffAdmin.change(staffId, { role: 'technician', disabled: false }, { type: 'staff', id: staffId })).rejects.toMatchObject({
      status: 409,
    });
    expect((await t.services.staff.get(staffId))!.role).toBe('admin');
  });
});
