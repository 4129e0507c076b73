// The WebAuthn checks themselves, without storage: what the browser sent, verified by
// @simplewebauthn/server against our relying party, plus the rules that are ours (the shape of the JSON
// before the library sees it, the user handle, the signature counter). service.ts adds the records.
import {
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type CredentialDeviceType,
  type RegistrationResponseJSON,
  type WebAuthnCredential,
} from '@simplewebauthn/server';

export interface RelyingParty {
  /** BASE_URL's host name. */
  id: string;
  /** BASE_URL's origin: the only one a response may come from. */
  origin: string;
}

/** Whether a challenge echoed in the client data is one this browser was given (challenges.ts). */
export type ChallengeCheck = (challengeBase64url: string) => boolean;

/** Counters only move forward, except that an authenticator without one (synced passkeys) reports 0 every time. */
export function counterMovedOn(stored: number, reported: number): boolean {
  if (stored === 0 && reported === 0) return true;
  return reported > stored;
}

// The shape of the browser's JSON, checked before the library sees it: bounded sizes, base64url only.
const base64url = (value: unknown, max: number): value is string => typeof value === 'string' && value.length <= max && /^[A-Za-z0-9_-]*$/.test(value);

function credentialJson<T extends RegistrationResponseJSON | AuthenticationResponseJSON>(value: unknown, fields: string[]): T | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const response = v.response as Record<string, unknown> | undefined;
  if (!base64url(v.id, 1400) || !base64url(v.rawId, 1400) || v.type !== 'public-key' || typeof response !== 'object' || response === null) return undefined;
  if (!fields.every((field) => base64url(response[field], 16_000))) return undefined;
  if (response.userHandle != null && !base64url(response.userHandle, 200)) return undefined;
  const extensions = typeof v.clientExtensionResults === 'object' && v.clientExtensionResults ? v.clientExtensionResults : {};
  return { ...v, clientExtensionResults: extensions } as T;
}

export const registrationJson = (value: unknown) => credentialJson<RegistrationResponseJSON>(value, ['clientDataJSON', 'attestationObject']);
export const assertionJson = (value: unknown) => credentialJson<AuthenticationResponseJSON>(value, ['clientDataJSON', 'authenticatorData', 'signature']);

export type RegistrationCheck =
  | { ok: true; challenge: string; credential: WebAuthnCredential; deviceType: CredentialDeviceType; backedUp: boolean; aaguid: string }
  | { ok: false; reason: 'malformed' | 'not_verified'; detail?: string };

/** The library's challenge check, remembering the challenge it was asked about (spent by the caller once verified). */
function seenChallenge(challengeOk: ChallengeCheck) {
  const seen = {
    challenge: '',
    check: (c: string) => {
      seen.challenge = c;
      return challengeOk(c);
    },
  };
  return seen;
}

/** A new passkey's attestation ("none" is enough: we need its key, not who made the authenticator). */
export async function checkRegistration(input: unknown, rp: RelyingParty, challengeOk: ChallengeCheck): Promise<RegistrationCheck> {
  const response = registrationJson(input);
  if (!response) return { ok: false, reason: 'malformed' };
  const seen = seenChallenge(challengeOk);
  try {
    const verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: seen.check,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
    if (!verified.verified) return { ok: false, reason: 'not_verified' };
    const info = verified.registrationInfo;
    return {
      ok: true,
      challenge: seen.challenge,
      credential: info.credential,
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      aaguid: info.aaguid,
    };
  } catch (error) {
    // The library says why only in its message: kept for the log, never shown or matched on.
    return { ok: false, reason: 'not_verified', detail: (error as Error).message };
  }
}

export interface StoredCredential {
  credentialId: string;
  publicKey: Uint8Array<ArrayBuffer>;
  counter: number;
  transports: string[];
  /** The WebAuthn user handle this credential was made for (base64url). */
  userHandle: string;
  /** Synced (multiDevice) or not, as it said when it was made: whether it may be backed up never changes. */
  deviceType: CredentialDeviceType;
}

export type AssertionCheck =
  | { ok: true; challenge: string; counter: number; deviceType: CredentialDeviceType; backedUp: boolean }
  | { ok: false; reason: 'malformed' | 'not_verified' | 'cloned' | 'backup_changed'; detail?: string; reported?: number };

/** A sign-in's assertion, for the credential it names (looked up by the caller with its id). */
export async function checkAssertion(
  response: AuthenticationResponseJSON,
  stored: StoredCredential,
  rp: RelyingParty,
  challengeOk: ChallengeCheck,
): Promise<AssertionCheck> {
  if (response.id !== stored.credentialId) return { ok: false, reason: 'not_verified' };
  const seen = seenChallenge(challengeOk);
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: seen.check,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      // The counter rule is ours (counterMovedOn), so the library is given 0 and never decides it.
      credential: { id: stored.credentialId, publicKey: stored.publicKey, counter: 0, transports: stored.transports as WebAuthnCredential['transports'] },
      requireUserVerification: true,
    });
  } catch (error) {
    return { ok: false, reason: 'not_verified', detail: (error as Error).message };
  }
  if (!verified.verified) return { ok: false, reason: 'not_verified' };
  // A discoverable credential names its user; it must be the one it was made for.
  if (response.response.userHandle && response.response.userHandle !== stored.userHandle) return { ok: false, reason: 'not_verified' };
  const info = verified.authenticationInfo;
  if (!counterMovedOn(stored.counter, info.newCounter)) return { ok: false, reason: 'cloned', reported: info.newCounter };
  // Backup eligibility is fixed when a credential is made (WebAuthn §6.1.3): a one-device passkey that now
  // says it is synced, or the other way round, is not the authenticator it was.
  if (info.credentialDeviceType !== stored.deviceType) return { ok: false, reason: 'backup_changed' };
  return { ok: true, challenge: seen.challenge, counter: info.newCounter, deviceType: info.credentialDeviceType, backedUp: info.credentialBackedUp };
}
