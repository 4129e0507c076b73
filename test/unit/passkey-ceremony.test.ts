// The passkey ceremony rules on responses recorded from a real browser: Chromium's CDP virtual
// authenticator answering navigator.credentials.create() and two get() calls, with challenges made by
// our signer at a fixed time (test/fixtures/passkeys-chromium.json says how it was recorded).
import { readFileSync } from 'node:fs';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { assertionJson, checkAssertion, checkRegistration, counterMovedOn, registrationJson, type StoredCredential } from '../../src/auth/passkey/ceremony.js';
import { CHALLENGE_MS, createChallengeSigner } from '../../src/auth/passkey/challenges.js';
import { passkeyName } from '../../src/auth/passkey/service.js';

const recorded = JSON.parse(readFileSync(new URL('../fixtures/passkeys-chromium.json', import.meta.url), 'utf8'));
const rp = recorded.rp as { id: string; origin: string };
const key = Buffer.from(recorded.challengeKeyHex, 'hex');
const issuedAt = new Date(recorded.challengesIssuedAt).getTime();
const at = (ms: number) => createChallengeSigner({ clock: { now: () => new Date(issuedAt + ms) }, key });
const signer = at(60_000);
const registrationOk = (c: string) => signer.isValid(c, 'registration', recorded.binding);
const assertionOk = (c: string) => signer.isValid(c, 'authentication', recorded.binding);

async function registered(): Promise<StoredCredential> {
  const result = await checkRegistration(recorded.registration, rp, registrationOk);
  if (!result.ok) throw new Error(`recorded registration did not verify: ${result.reason} ${result.detail ?? ''}`);
  return {
    credentialId: result.credential.id,
    publicKey: Uint8Array.from(result.credential.publicKey),
    counter: result.credential.counter,
    transports: result.credential.transports ?? [],
    userHandle: recorded.userHandle,
    deviceType: result.deviceType,
  };
}
const [first, second] = recorded.authentications as AuthenticationResponseJSON[];

describe('registration', () => {
  it('accepts the browser’s attestation for our RP and origin, with user verification', async () => {
    const result = await checkRegistration(recorded.registration, rp, registrationOk);
    expect(result).toMatchObject({ ok: true, deviceType: 'singleDevice', backedUp: false });
    if (result.ok) expect(result.credential.id).toBe(recorded.registration.id);
  });

  it('refuses it for another origin or RP ID (a phishing site relaying the ceremony)', async () => {
    expect(await checkRegistration(recorded.registration, { ...rp, origin: 'http://localhost:1' }, registrationOk)).toMatchObject({
      ok: false,
      reason: 'not_verified',
    });
    expect(await checkRegistration(recorded.registration, { ...rp, id: 'portal.example' }, registrationOk)).toMatchObject({
      ok: false,
      reason: 'not_verified',
    });
  });

  it('refuses a challenge given to another browser, for the other ceremony, or answered after five minutes', async () => {
    const otherBrowser = (c: string) => signer.isValid(c, 'registration', 'browser:someone-else');
    const wrongCeremony = (c: string) => signer.isValid(c, 'authentication', recorded.binding);
    const late = (c: string) => at(CHALLENGE_MS + 1).isValid(c, 'registration', recorded.binding);
    for (const check of [otherBrowser, wrongCeremony, late])
      expect(await checkRegistration(recorded.registration, rp, check)).toMatchObject({ ok: false, reason: 'not_verified' });
  });

  it('refuses JSON that is not a credential before the library reads it', () => {
    expect(registrationJson({ ...recorded.registration, type: 'password' })).toBeUndefined();
    expect(
      registrationJson({ ...recorded.registration, response: { ...recorded.registration.response, attestationObject: 'not base64url!' } }),
    ).toBeUndefined();
    expect(registrationJson({ ...recorded.registration, id: 'A'.repeat(2000) })).toBeUndefined();
    expect(registrationJson('{"id":1}')).toBeUndefined();
    expect(registrationJson(recorded.registration)).toBeDefined();
  });
});

describe('sign-in', () => {
  it('accepts the two recorded assertions in order, each counter past the last', async () => {
    const stored = await registered();
    const one = await checkAssertion(assertionJson(first)!, stored, rp, assertionOk);
    expect(one).toMatchObject({ ok: true });
    const counter = one.ok ? one.counter : -1;
    const two = await checkAssertion(assertionJson(second)!, { ...stored, counter }, rp, assertionOk);
    expect(two.ok && two.counter).toBeGreaterThan(counter);
  });

  it('calls a counter that does not move forward a clone', async () => {
    const stored = await registered();
    const two = await checkAssertion(second!, stored, rp, assertionOk);
    const reported = two.ok ? two.counter : -1;
    expect(await checkAssertion(first!, { ...stored, counter: reported }, rp, assertionOk)).toMatchObject({ ok: false, reason: 'cloned' });
  });

  it('refuses a changed signature, another origin, another user handle and another credential', async () => {
    const stored = await registered();
    const signature = Buffer.from(first!.response.signature, 'base64url');
    signature[signature.length - 1] ^= 1;
    const tampered = { ...first!, response: { ...first!.response, signature: signature.toString('base64url') } };
    expect(await checkAssertion(tampered, stored, rp, assertionOk)).toMatchObject({ ok: false, reason: 'not_verified' });
    expect(await checkAssertion(first!, stored, { ...rp, origin: 'https://evil.example' }, assertionOk)).toMatchObject({ ok: false, reason: 'not_verified' });
    expect(await checkAssertion(first!, { ...stored, userHandle: 'c29tZW9uZS1lbHNl' }, rp, assertionOk)).toMatchObject({ ok: false, reason: 'not_verified' });
    expect(await checkAssertion(first!, { ...stored, credentialId: 'b3RoZXI' }, rp, assertionOk)).toMatchObject({ ok: false, reason: 'not_verified' });
  });

  it('refuses a one-device passkey that now says it is synced (backup eligibility never changes)', async () => {
    const stored = await registered();
    expect(await checkAssertion(first!, { ...stored, deviceType: 'multiDevice' }, rp, assertionOk)).toMatchObject({ ok: false, reason: 'backup_changed' });
  });

  it('refuses an assertion whose challenge was made for a registration or has expired', async () => {
    const stored = await registered();
    expect(await checkAssertion(first!, stored, rp, (c) => signer.isValid(c, 'registration', recorded.binding))).toMatchObject({ ok: false });
    expect(await checkAssertion(first!, stored, rp, (c) => at(CHALLENGE_MS + 1).isValid(c, 'authentication', recorded.binding))).toMatchObject({ ok: false });
  });
});

describe('rules', () => {
  it('lets counters only move forward, except for authenticators without one', () => {
    expect(counterMovedOn(0, 0)).toBe(true);
    expect(counterMovedOn(0, 1)).toBe(true);
    expect(counterMovedOn(5, 6)).toBe(true);
    expect(counterMovedOn(5, 5)).toBe(false);
    expect(counterMovedOn(5, 0)).toBe(false);
    expect(counterMovedOn(5, 4)).toBe(false);
  });

  it('refuses a forged or altered challenge', () => {
    const challenge = Buffer.from(signer.issue('authentication', 'b')).toString('base64url');
    expect(signer.isValid(challenge, 'authentication', 'b')).toBe(true);
    const bytes = Buffer.from(challenge, 'base64url');
    bytes[3] ^= 1; // the expiry
    expect(signer.isValid(bytes.toString('base64url'), 'authentication', 'b')).toBe(false);
    const otherKey = createChallengeSigner({ clock: { now: () => new Date(issuedAt) }, key: Buffer.alloc(32, 7) });
    expect(otherKey.isValid(challenge, 'authentication', 'b')).toBe(false);
    expect(signer.isValid('', 'authentication', 'b')).toBe(false);
    expect(signer.isValid('x'.repeat(500), 'authentication', 'b')).toBe(false);
    // The same bytes with a character more (which a base64url decoder would ignore) are not the same challenge.
    expect(signer.isValid(`${challenge}A`, 'authentication', 'b')).toBe(false);
  });

  it('names a passkey as typed, else after the device', () => {
    expect(passkeyName('  Work   laptop ', undefined)).toBe('Work laptop');
    expect(passkeyName('', 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)')).toBe('Passkey on iPhone or iPad');
    expect(passkeyName('', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)')).toBe('Passkey on Windows');
    expect(passkeyName('', undefined)).toBe('Passkey');
    expect(passkeyName('x'.repeat(100), undefined)).toHaveLength(60);
  });
});
