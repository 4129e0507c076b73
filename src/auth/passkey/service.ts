// Passkeys (WebAuthn) for contacts and staff: the registration and sign-in ceremonies, verified by
// @simplewebauthn/server (no CBOR or attestation parsing of our own), and the rules around them:
// - relying party: the RP ID is BASE_URL's host, the only accepted origin BASE_URL's origin;
// - user verification required, discoverable credentials (the sign-in page needs no address first);
// - challenges single use, bound to the browser, five minutes (challenges.ts);
// - a passkey signs in the contact (or staff member) it was made for, only while they may sign in:
//   not disabled, the method on, and a contact still in the company they were in when it was made;
// - signature counters only move forward: a counter going backwards means a cloned authenticator, refused
//   and audited. Authenticators without a counter (synced passkeys) report 0 every time; that is allowed.
// Every refusal is the same plain "could not sign in" for the person; the audit log says which rule.
import { createHmac } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import type { AuditService } from '../../audit/service.js';
import type { Db } from '../../db/index.js';
import { isUsable, type ContactRepository } from '../../directory/contacts-repo.js';
import type { Logger } from '../../lib/logger.js';
import type { SettingsService } from '../../settings/service.js';
import type { StaffService } from '../../staff/service.js';
import { contactSubject, staffSubject, subjectRow, type SignInSubject, type SubjectKind } from '../audience.js';
import { assertionJson, checkAssertion, checkRegistration, type RelyingParty } from './ceremony.js';
import { CHALLENGE_MS, type ChallengeStore } from './challenges.js';
import type { Holder, PasskeyRepository, PasskeySummary } from './repo.js';

export interface RequestContext {
  ip?: string | null;
  userAgent?: string | null;
}

/** Adding a passkey: also how the session that adds it was signed in (for the audit log). */
export interface RegistrationContext extends RequestContext {
  signedInWith?: string;
}

/** Why a passkey did not sign in; the person sees one message for all of them. */
export type PasskeyRefusal =
  'malformed' | 'unknown_credential' | 'disabled_method' | 'not_verified' | 'replayed' | 'cloned' | 'backup_changed' | 'subject_unusable' | 'moved';

export type PasskeySignIn = { ok: true; subject: SignInSubject; passkeyId: string } | { ok: false; reason: PasskeyRefusal };
export type PasskeyRegistration =
  { ok: true; passkey: PasskeySummary } | { ok: false; reason: 'malformed' | 'not_verified' | 'replayed' | 'disabled_method' | 'duplicate' };

export interface PasskeyService {
  enabledFor(kind: SubjectKind): Promise<boolean>;
  registrationOptions(subject: SignInSubject, binding: string): Promise<PublicKeyCredentialCreationOptionsJSON>;
  register(subject: SignInSubject, input: { response: unknown; name: string }, binding: string, context: RegistrationContext): Promise<PasskeyRegistration>;
  authenticationOptions(binding: string): Promise<PublicKeyCredentialRequestOptionsJSON>;
  authenticate(kind: SubjectKind, response: unknown, binding: string, context: RequestContext): Promise<PasskeySignIn>;
  list(holder: Holder): Promise<PasskeySummary[]>;
  count(holder: Holder): Promise<number>;
  rename(holder: Holder, id: string, name: string, actor: AuditActor): Promise<boolean>;
  remove(holder: Holder, id: string, actor: AuditActor): Promise<boolean>;
  /** The console's "Remove passkeys" (and a disabled contact keeps theirs: disabling alone refuses them). */
  removeAll(holder: Holder, actor: AuditActor, db?: Db): Promise<number>;
  dismissOffer(holder: Holder): Promise<void>;
}

/** Who did it, for the audit log: the holder themselves, or a technician in the console. */
export interface AuditActor {
  type: 'contact' | 'staff';
  id: number;
  ip?: string | null;
  userAgent?: string | null;
}

export interface PasskeyDeps {
  db: Db;
  repo: PasskeyRepository;
  challenges: ChallengeStore;
  audit: AuditService;
  settings: SettingsService;
  contactRepo: ContactRepository;
  staff: StaffService;
  rp: RelyingParty;
  /** Derives the WebAuthn user handle of a contact or staff member (from SESSION_SECRET). */
  userHandleKey: Buffer;
  logger: Logger;
}

const MAX_NAME = 60;

/** A passkey's name as the person typed it, or one made from the device when they typed none. */
export function passkeyName(typed: string, userAgent: string | null | undefined): string {
  const clean = typed.replace(/\s+/g, ' ').trim().slice(0, MAX_NAME);
  if (clean) return clean;
  const ua = userAgent ?? '';
  const device = /iPhone|iPad/.test(ua)
    ? 'iPhone or iPad'
    : /Android/.test(ua)
      ? 'Android'
      : /Mac OS X/.test(ua)
        ? 'Mac'
        : /Windows/.test(ua)
          ? 'Windows'
          : undefined;
  return device ? `Passkey on ${device}` : 'Passkey';
}

const holderOf = (subject: SignInSubject): Holder => ({ kind: subject.kind, id: subjectRow(subject).id });

export function createPasskeyService(deps: PasskeyDeps): PasskeyService {
  const { db, repo, challenges, audit, settings, contactRepo, staff, rp, logger } = deps;
  const userHandle = (holder: Holder) => Uint8Array.from(createHmac('sha256', deps.userHandleKey).update(`${holder.kind}:${holder.id}`).digest());

  async function enabledFor(kind: SubjectKind) {
    const value = await settings.get('passkeys');
    return kind === 'contact' ? value.clients : value.staff;
  }

  /** actor: who did it; a context without one: an anonymous request (a refused sign-in), its IP and browser kept. */
  const record = (action: string, actor: AuditActor | RequestContext, holder: Holder, detail: Record<string, unknown>, trx?: Db) =>
    audit.record(
      {
        action,
        actor: 'type' in actor ? { type: actor.type, id: actor.id } : { type: 'anonymous' },
        subject: { type: holder.kind, id: holder.id },
        ip: actor.ip,
        userAgent: actor.userAgent,
        detail,
      },
      trx,
    );

  async function subjectFor(holder: Holder): Promise<SignInSubject | undefined> {
    if (holder.kind === 'contact') {
      const contact = await contactRepo.get(holder.id);
      return contact && contactSubject(contact);
    }
    const member = await staff.get(holder.id);
    return member && staffSubject(member);
  }

  return {
    enabledFor,

    async registrationOptions(subject, binding) {
      const holder = holderOf(subject);
      const row = subjectRow(subject);
      const name = subject.kind === 'contact' ? subject.contact.email : subject.staff.email;
      // A person who is a contact of two companies has a passkey for each: the company tells them apart in
      // the browser's list.
      const company = subject.kind === 'contact' ? (await contactRepo.getWithCompany(row.id))?.company_name : undefined;
      const person = subject.kind === 'contact' ? `${subject.contact.first_name} ${subject.contact.last_name}`.trim() || name : subject.staff.name;
      const displayName = subject.kind === 'contact' ? (company ? `${person} (${company})` : person) : `${person} (console)`;
      const portalName = (await settings.get('mail_token')).portalName;
      return generateRegistrationOptions({
        rpName: subject.kind === 'contact' ? portalName : `${portalName} console`,
        rpID: rp.id,
        userID: userHandle(holder),
        userName: name,
        userDisplayName: displayName,
        challenge: challenges.issue('registration', binding),
        timeout: CHALLENGE_MS,
        attestationType: 'none',
        excludeCredentials: await repo.credentialIds({ kind: subject.kind, id: row.id }),
        authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
      });
    },

    async register(subject, input, binding, context) {
      const holder = holderOf(subject);
      if (!(await enabledFor(subject.kind))) return { ok: false, reason: 'disabled_method' };
      const checked = await checkRegistration(input.response, rp, (c) => challenges.isValid(c, 'registration', binding));
      if (!checked.ok) {
        if (checked.detail) logger.info({ err: checked.detail, kind: subject.kind }, 'passkey registration not verified');
        return { ok: false, reason: checked.reason };
      }
      const { credential, challenge } = checked;
      if (await repo.byCredentialId(credential.id)) return { ok: false, reason: 'duplicate' };
      const { signedInWith, ...request } = context;
      const actor: AuditActor = { type: subject.kind, id: holder.id, ...request };
      return db.transaction(async (trx) => {
        if (!(await challenges.spend(challenge, trx))) return { ok: false, reason: 'replayed' } as const;
        const passkey = await repo.insert(
          holder,
          {
            credentialId: credential.id,
            publicKey: credential.publicKey,
            counter: credential.counter,
            transports: credential.transports ?? [],
            deviceType: checked.deviceType,
            backedUp: checked.backedUp,
            aaguid: checked.aaguid,
            name: passkeyName(input.name, context.userAgent),
            userHandle: Buffer.from(userHandle(holder)).toString('base64url'),
            companyId: subject.kind === 'contact' ? subject.contact.company_id : null,
          },
          trx,
        );
        await record(
          'passkey.registered',
          actor,
          holder,
          { passkey: passkey.id, name: passkey.name, synced: checked.deviceType === 'multiDevice', signedInWith },
          trx,
        );
        return { ok: true, passkey } as const;
      });
    },

    async authenticationOptions(binding) {
      // No allowCredentials: discoverable credentials, the browser offers whichever passkeys it holds.
      return generateAuthenticationOptions({
        rpID: rp.id,
        challenge: challenges.issue('authentication', binding),
        timeout: CHALLENGE_MS,
        userVerification: 'required',
      });
    },

    async authenticate(kind, input, binding, context) {
      // The audit names whose passkey it was only once its signature verified: a credential id alone,
      // which anyone may send, must not write events into someone's history.
      const refuse = async (reason: PasskeyRefusal, holder?: Holder): Promise<PasskeySignIn> => {
        await audit.record({
          action: 'signin.failure',
          subject: holder && { type: holder.kind, id: holder.id },
          ip: context.ip,
          userAgent: context.userAgent,
          detail: { audience: kind, method: 'passkey', reason },
        });
        return { ok: false, reason };
      };
      if (!(await enabledFor(kind))) return refuse('disabled_method');
      const response = assertionJson(input);
      if (!response) return refuse('malformed');
      const row = await repo.byCredentialId(response.id);
      // A staff passkey on the portal's page (same host, so the browser offers both) is as unknown there.
      if (!row || row.kind !== kind) return refuse('unknown_credential');
      const holder: Holder = { kind, id: (kind === 'contact' ? row.contact_id : row.staff_id)! };
      const stored = {
        credentialId: row.credential_id,
        publicKey: Uint8Array.from(row.public_key),
        counter: Number(row.counter),
        transports: row.transports,
        userHandle: row.user_handle,
        deviceType: row.device_type,
      };
      const checked = await checkAssertion(response, stored, rp, (c) => challenges.isValid(c, 'authentication', binding));
      if (!checked.ok) {
        if (checked.detail) logger.info({ err: checked.detail, kind }, 'passkey sign-in not verified');
        if (checked.reason === 'cloned')
          await record('passkey.counter_regressed', context, holder, { passkey: row.id, name: row.name, stored: stored.counter, reported: checked.reported });
        if (checked.reason === 'backup_changed') await record('passkey.backup_state_changed', context, holder, { passkey: row.id, name: row.name });
        const signed = checked.reason === 'cloned' || checked.reason === 'backup_changed';
        return refuse(checked.reason, signed ? holder : undefined);
      }
      if (!(await challenges.spend(checked.challenge))) return refuse('replayed', holder);
      const subject = await subjectFor(holder);
      if (!subject) return refuse('unknown_credential');
      if (subject.kind === 'contact' ? !isUsable(subject.contact) : subject.staff.disabled) return refuse('subject_unusable', holder);
      if (subject.kind === 'contact' && subject.contact.company_id !== row.company_id) return refuse('moved', holder);
      // Conditional on the counter too: of two sign-ins racing with one response, one counts.
      if (!(await repo.recordUse(row.id, { counter: checked.counter, backedUp: checked.backedUp }))) {
        return refuse('replayed', holder);
      }
      await record('passkey.used', { type: kind, id: holder.id, ...context }, holder, { passkey: row.id, name: row.name });
      return { ok: true, subject, passkeyId: row.id };
    },

    list: (holder) => repo.list(holder),
    count: (holder) => repo.count(holder),

    async rename(holder, id, name, actor) {
      const clean = passkeyName(name, undefined);
      return db.transaction(async (trx) => {
        if (!(await repo.rename(holder, id, clean, trx))) return false;
        await record('passkey.renamed', actor, holder, { passkey: id, name: clean }, trx);
        return true;
      });
    },

    async remove(holder, id, actor) {
      return db.transaction(async (trx) => {
        const removed = await repo.remove(holder, id, trx);
        if (!removed) return false;
        await record('passkey.removed', actor, holder, { passkey: id, name: removed.name }, trx);
        return true;
      });
    },

    async removeAll(holder, actor, database) {
      const work = async (trx: Db) => {
        const removed = await repo.removeAll(holder, trx);
        if (removed) await record('passkey.removed_all', actor, holder, { count: removed }, trx);
        return removed;
      };
      return database ? work(database) : db.transaction(work);
    },

    dismissOffer: (holder) => repo.dismissOffer(holder),
  };
}
