// Set-up tables the adapter reads once and keeps for a while: communication types (which one is the
// Email type differs between instances) and company statuses (which ones mean "inactive"). Kept per
// adapter instance, for LOOKUP_TTL_MS by the injected clock, so a change an administrator makes in
// ConnectWise is seen within the hour without a restart.
import type { Clock } from '../../lib/clock.js';
import { PsaSetupError } from '../types.js';

export const LOOKUP_TTL_MS = 60 * 60 * 1000;

/** GET /company/communicationTypes rows (HealthITAU/pyconnectwise models/manage CommunicationType). */
export interface CwCommunicationType {
  id: number;
  description?: string;
  emailFlag?: boolean;
  phoneFlag?: boolean;
  faxFlag?: boolean;
  /** Per channel: one default among the email types, one among the phone types (amp-labs/connectors fixture). */
  defaultFlag?: boolean;
}

/** GET /company/companies/statuses rows (pyconnectwise CompanyStatus): "inactive" is a property of the status. */
export interface CwCompanyStatus {
  id: number;
  name?: string;
  inactiveFlag?: boolean;
}

/** The instance has no communication type flagged Email, so no contact can be created with an address. */
export class NoEmailCommunicationTypeError extends PsaSetupError {
  constructor() {
    super(
      'connectwise',
      'no communication type with Email flag in ConnectWise: contacts cannot be created until a communication type is marked Email (emailFlag)',
    );
    this.name = 'NoEmailCommunicationTypeError';
  }
}

export interface Cached<T> {
  get(): Promise<T>;
  /** Forgets the value: the next get() asks again. */
  clear(): void;
}

/** One load shared by concurrent callers; a failed load is not kept. */
export function cached<T>(load: () => Promise<T>, clock: Clock, ttlMs = LOOKUP_TTL_MS): Cached<T> {
  let entry: { at: number; value: Promise<T> } | undefined;
  return {
    get() {
      const now = clock.now().getTime();
      if (!entry || now - entry.at >= ttlMs) {
        const value = load();
        const mine = { at: now, value };
        entry = mine;
        value.catch(() => {
          if (entry === mine) entry = undefined;
        });
      }
      return entry.value;
    },
    clear() {
      entry = undefined;
    },
  };
}

const isNamed = (type: CwCommunicationType, name: string) => type.description?.trim().toLowerCase() === name;

/** Defaults first, then the type named like the channel ("Email", "Direct" for phones), then the lowest id. */
function best(types: CwCommunicationType[], name: string): CwCommunicationType | undefined {
  const rank = (t: CwCommunicationType) => (t.defaultFlag ? 0 : isNamed(t, name) ? 1 : 2);
  return [...types].sort((a, b) => rank(a) - rank(b) || a.id - b.id)[0];
}

/**
 * The type new contacts' addresses get. Real instances rename or split the stock "Email" type (the
 * amp-labs/connectors sandbox fixture has "Email - Business" (default) and "Email - Private"; a recorded
 * contact's address is on "Shared Mailbox"), so the type is found by its emailFlag, preferring the
 * default; a type described "Email" and flagged neither phone nor fax is the fallback when no type
 * carries an emailFlag at all (a server that leaves the flags out).
 */
export function emailTypeOf(types: CwCommunicationType[]): CwCommunicationType | undefined {
  const flagged = types.filter((t) => t.emailFlag === true);
  if (flagged.length) return best(flagged, 'email');
  return best(
    types.filter((t) => isNamed(t, 'email') && !t.phoneFlag && !t.faxFlag),
    'email',
  );
}

/** The type a phone number gets: the instance's default phone type, then "Direct", then the lowest id. */
export const phoneTypeOf = (types: CwCommunicationType[]) =>
  best(
    types.filter((t) => t.phoneFlag === true),
    'direct',
  );
