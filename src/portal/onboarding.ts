// First sign-in (Staffbase's onboarding): accept the portal's terms (text and version set in the
// console; a new version asks again), then complete the profile when first or last name is missing.
// The terms are shown in the client's language when the console has them in it, else in English.
// Names changed here are written back to the PSA contact.
import type { AuditService } from '../audit/service.js';
import type { Db } from '../db/index.js';
import type { ContactRepository, ContactRow as Contact } from '../directory/contacts-repo.js';
import type { Locale } from '../i18n/index.js';
import type { Logger } from '../lib/logger.js';
import { psaFailureMessage, type PsaEvents } from '../psa/events.js';
import type { PsaAdapter } from '../psa/types.js';
import type { SettingsService } from '../settings/service.js';

export type OnboardingStep = 'terms' | 'profile' | undefined;

export interface TermsToShow {
  text: string;
  version: string;
  lang: Locale;
}

export interface OnboardingService {
  /** What the contact must do before any other page, if anything. */
  nextStep(contact: Pick<Contact, 'terms_version' | 'first_name' | 'last_name'>): Promise<OnboardingStep>;
  /** The terms to show in locale: its own text, else the English one (lang says which it is). */
  terms(locale: Locale): Promise<TermsToShow>;
  acceptTerms(contact: Contact, version: string, ip?: string | null): Promise<void>;
  completeProfile(contact: Contact, names: { firstName: string; lastName: string }): Promise<void>;
}

export function createOnboardingService(deps: {
  db: Db;
  contactRepo: ContactRepository;
  settings: SettingsService;
  psa: PsaAdapter | undefined;
  psaEvents: PsaEvents;
  audit: AuditService;
  logger: Logger;
}): OnboardingService {
  const { db, contactRepo, settings, psa, audit } = deps;
  return {
    async nextStep(contact) {
      const terms = await settings.get('terms');
      if (terms.text.trim() && contact.terms_version !== terms.version) return 'terms';
      if (!contact.first_name.trim() || !contact.last_name.trim()) return 'profile';
      return undefined;
    },
    async terms(locale) {
      const terms = await settings.get('terms');
      const own = locale === 'en' ? terms.text : terms.translations[locale];
      return own.trim() ? { text: own, version: terms.version, lang: locale } : { text: terms.text, version: terms.version, lang: 'en' };
    },
    async acceptTerms(contact, version, ip) {
      await db.transaction(async (trx) => {
        await contactRepo.recordTermsAccepted(contact.id, version, trx);
        await audit.record(
          { action: 'terms.accepted', actor: { type: 'contact', id: contact.id }, subject: { type: 'contact', id: contact.id }, ip, detail: { version } },
          trx,
        );
      });
    },
    async completeProfile(contact, names) {
      await contactRepo.update(contact.id, { first_name: names.firstName, last_name: names.lastName });
      if (!contact.psa_contact_id || !psa) return;
      try {
        await psa.updateContactNames(contact.psa_contact_id, names);
      } catch (error) {
        // The portal keeps the names; the failure is shown on the console's PSA page.
        deps.logger.warn({ contactId: contact.id, err: psaFailureMessage(error) }, 'could not write names back to the PSA');
        await deps.psaEvents.record({ provider: psa.provider, operation: 'updateContactNames', error });
      }
    },
  };
}
