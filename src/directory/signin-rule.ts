// The order in which an address is looked up at sign-in, shared by the resolver (which acts on the answer:
// imports PSA contacts, sends the link) and the console's explain (which only reads). Each step is a
// callback so each caller decides what looking up means; the order and the policy live here only:
//   1. a local contact with that address (all disabled: nobody; a technician's decision stands);
//   2. the "invited contacts only" policy stops here;
//   3. an active PSA contact with it, in an active PSA company (a PSA that does not answer: nobody,
//      rather than risk a second PSA contact through the domain route);
//   4. a company owning the address's domain;
//   5. nobody.

export type SignInDecision<L, P> =
  | { kind: 'local'; contacts: L[] }
  | { kind: 'disabled' }
  | { kind: 'invited_only' }
  | { kind: 'psa'; contacts: P[] }
  | { kind: 'psa_unreachable' }
  | { kind: 'domain'; companyId: number }
  | { kind: 'nobody' };

export interface SignInSteps<L, P> {
  /** The portal's contacts with the address, and which of them may sign in. */
  local(): Promise<{ all: L[]; usable: L[] }>;
  invitedOnly(): Promise<boolean>;
  /** Undefined without a PSA; the callback answers undefined when the PSA did not answer. */
  psa?: () => Promise<P[] | undefined>;
  domainOwner(): Promise<number | undefined>;
}

export async function decideSignIn<L, P>(steps: SignInSteps<L, P>): Promise<SignInDecision<L, P>> {
  const { all, usable } = await steps.local();
  if (usable.length) return { kind: 'local', contacts: usable };
  if (all.length) return { kind: 'disabled' };
  if (await steps.invitedOnly()) return { kind: 'invited_only' };
  if (steps.psa) {
    const contacts = await steps.psa();
    if (contacts === undefined) return { kind: 'psa_unreachable' };
    if (contacts.length) return { kind: 'psa', contacts };
  }
  const companyId = await steps.domainOwner();
  return companyId ? { kind: 'domain', companyId } : { kind: 'nobody' };
}
