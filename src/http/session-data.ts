// What Portico keeps in a browser session (req.session). The portal and the console have separate
// cookies and therefore separate sessions; both use this shape. Set by sessions.ts.
import type { PsaFieldProblem } from '../psa/types.js';

export interface SignedInAs {
  kind: 'contact' | 'staff';
  /** Row in auth_sessions: the server-side record that makes this sign-in valid. */
  authSessionId: string;
  id: number;
  method: string;
  at: number;
}

/** Why the sign-in this browser held has ended (sign-in.ts current()); shown once on the sign-in page. */
export type SessionEndReason = 'ended_elsewhere' | 'signed_out_everywhere' | 'disabled' | 'idle' | 'absolute' | 'gone';

export interface EmailFlow {
  email: string;
  /** Random per browser session; only its keyed hash is stored on the token. */
  binding: string;
  requestedAt: number;
  /** The lifetime of the token issued for this request, as it was when issued (the page quotes it). */
  tokenMinutes?: number;
  /** The language of the page that asked: the mail is written in it. */
  locale?: string;
}

/** An address proven by a spent token, waiting for the person's next step. */
export interface ProvenAddress {
  email: string;
  at: number;
}

export interface NewAccountPrefill {
  firstName: string;
  lastName: string;
  problems: PsaFieldProblem[];
  entra: { tenantId: string; objectId: string };
}

/** A console change posted after the recent-sign-in window, kept while the person signs in again (admin/kept-form.ts). */
export interface KeptForm {
  staffId: number;
  /** The page the form is on: where the person comes back to. */
  page: string;
  action: string;
  fields: Record<string, string>;
  at: number;
}

export interface SessionData {
  /** Proven, with several contacts: the person picks one. */
  choice?: ProvenAddress & { contactIds: number[] };
  /** Proven, on a company's domain, no contact yet: "Create your account". A Microsoft sign-in whose
   * names the PSA refused lands here too: its names prefilled, the PSA's problems shown, its identity kept. */
  newAccount?: ProvenAddress & { companyId: number; prefill?: NewAccountPrefill };
  /** The contacts this browser may switch between without signing in again. */
  accounts?: { email: string; contactIds: number[] };
  csrfToken?: string;
  /** A Microsoft sign-in under way: state, nonce and PKCE verifier for this attempt only. */
  microsoft?: { state: string; nonce: string; codeVerifier: string; at: number };
  signedIn?: SignedInAs;
  emailFlow?: EmailFlow;
  returnTo?: string;
  keptForm?: KeptForm;
  sessionEnded?: { reason: SessionEndReason; idleMinutes: number; absoluteHours: number };
  flash?: Array<{ kind: 'success' | 'error' | 'info'; text: string }>;
  /** Console: magic links generated in this session, by contact id, until their result page shows them
   * once (post/redirect/get); then only the fact that it was shown stays. */
  generatedLinks?: Record<string, GeneratedLinkResult>;
}

export interface GeneratedLinkResult {
  email: string;
  expiresAt: number;
  /** The link itself, until the result page has shown it. */
  link?: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** This browser's session for the cookie of the part of the site asked for (sessions.ts). */
    session: SessionData;
  }
}
