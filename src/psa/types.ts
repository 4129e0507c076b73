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
