// The one interface every PSA adapter implements. Ids are strings whatever the vendor uses; nothing
// outside src/psa/<vendor>/ knows a vendor's field names.

/** A vendor's PSA_PROVIDER value (registry.ts lists them). */
export type PsaProvider = string;

export interface PsaCompany {
  id: string;
  name: string;
  /** False when the PSA marks the company deleted or inactive: it is not imported and its contacts do not sign in. */
  active: boolean;
}

export interface PsaContact {
  id: string;
  companyId: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
  active: boolean;
}

export interface NewPsaContact {
  companyId: string;
  firstName: string;
  lastName: string;
  email: string;
  phone?: string | null;
}

export type ConnectionCheck = { ok: true; detail: string } | { ok: false; error: string };

export interface PsaAdapter {
  readonly provider: PsaProvider;
  /** Contacts whose email (any of the vendor's email fields) equals the address, case-insensitively; active and inactive. */
  findContactsByEmail(email: string): Promise<PsaContact[]>;
  getCompany(id: string): Promise<PsaCompany | undefined>;
  /** Companies whose name contains the query; at most `limit` (default 25). */
  searchCompanies(query: string, limit?: number): Promise<PsaCompany[]>;
  createContact(input: NewPsaContact): Promise<PsaContact>;
  /** Writes a contact's names back (the person completed their profile in the portal). */
  updateContactNames(id: string, names: { firstName: string; lastName: string }): Promise<void>;
  checkConnection(): Promise<ConnectionCheck>;
}

/** Every vendor failure becomes this, with the vendor's own message where it gave one. */
export class PsaError extends Error {
  constructor(
    readonly provider: PsaProvider,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PsaError';
  }
}

/** The PSA answered, but is not set up for what the portal asks of it (e.g. no email communication
 * type): an administrator must change the PSA; trying again does not help. */
export class PsaSetupError extends PsaError {}

/** A contact field in Portico's terms (the create-account form's names), whatever the vendor calls it. */
export type PsaContactField = 'firstName' | 'lastName' | 'phone' | 'email';

/** Why the PSA would refuse a field: it is required and empty, or longer than the vendor stores. */
export type PsaFieldProblem = { field: PsaContactField; reason: 'required' } | { field: PsaContactField; reason: 'tooLong'; maxLength: number };

const describeProblem = (p: PsaFieldProblem) => (p.reason === 'required' ? `${p.field} is required` : `${p.field} is longer than ${p.maxLength}`);

/**
 * The PSA would refuse this contact as given (an adapter checks the vendor's rules before sending): the
 * person can fix it, so callers ask them for what is missing or too long rather than reporting a failure.
 */
export class PsaContactRejected extends PsaError {
  constructor(
    provider: PsaProvider,
    readonly problems: PsaFieldProblem[],
  ) {
    super(provider, `the contact would be refused: ${problems.map(describeProblem).join(', ')}`);
    this.name = 'PsaContactRejected';
  }
}
