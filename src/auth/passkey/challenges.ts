// WebAuthn challenges: single use, bound to the browser that asked, valid for five minutes.
//
// A challenge is made without writing anything: it carries its own expiry and an HMAC over that expiry,
// 16 random bytes, the ceremony and the browser's binding (the secret this browser's forms carry: its
// CSRF token, or for a registration its signed-in session). So the sign-in page can ask for one on every
// visit (conditional mediation needs it before anyone types) without a session or database write per
// page view. It is written once, when it is answered: an INSERT of its hash into passkey_challenge_uses
// that only the first answer wins, so a replayed or concurrent second answer is refused.
import { createHmac, createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../db/index.js';
import type { Clock } from '../../lib/clock.js';
import { constantTimeEqual } from '../../lib/crypto.js';

export const CHALLENGE_MS = 5 * 60_000;

export type Ceremony = 'registration' | 'authentication';
const CEREMONY_BYTE: Record<Ceremony, number> = { registration: 1, authentication: 2 };

const EXPIRY_BYTES = 8;
const RANDOM_BYTES = 16;
const MAC_BYTES = 32;
const LENGTH = 1 + EXPIRY_BYTES + RANDOM_BYTES + MAC_BYTES;

/** Makes and checks challenges; nothing stored (see above). */
export interface ChallengeSigner {
  /** A new challenge (the bytes the authenticator signs) for this ceremony and browser. */
  issue(ceremony: Ceremony, binding: string): Uint8Array<ArrayBuffer>;
  /** Whether the challenge echoed in a response is one of ours, for this ceremony and browser, unexpired. */
  isValid(challengeBase64url: string, ceremony: Ceremony, binding: string): boolean;
}

export interface ChallengeStore extends ChallengeSigner {
  /** Marks it answered; false when it was answered before (replay). Call only after the response verified. */
  spend(challengeBase64url: string, db?: Db): Promise<boolean>;
}

// Exactly the characters LENGTH bytes take in base64url: Node's decoder ignores what follows, so one
// challenge must not pass as two strings (the used-challenge record is by its text).
const ENCODED_LENGTH = Math.ceil((LENGTH * 4) / 3);

function decode(challenge: string): { body: Buffer; tag: Buffer; expiresAt: number; ceremony: number } | undefined {
  if (challenge.length !== ENCODED_LENGTH || !/^[A-Za-z0-9_-]+$/.test(challenge)) return undefined;
  const bytes = Buffer.from(challenge, 'base64url');
  if (bytes.length !== LENGTH) return undefined;
  const body = bytes.subarray(0, LENGTH - MAC_BYTES);
  return { body, tag: bytes.subarray(LENGTH - MAC_BYTES), ceremony: bytes[0]!, expiresAt: Number(bytes.readBigUInt64BE(1)) };
}

export function createChallengeSigner(deps: { clock: Clock; key: Buffer }): ChallengeSigner {
  const { clock, key } = deps;
  const mac = (body: Buffer, binding: string) => createHmac('sha256', key).update(body).update('\0').update(binding).digest();
  return {
    issue(ceremony, binding) {
      const body = Buffer.alloc(LENGTH - MAC_BYTES);
      body[0] = CEREMONY_BYTE[ceremony];
      body.writeBigUInt64BE(BigInt(clock.now().getTime() + CHALLENGE_MS), 1);
      randomBytes(RANDOM_BYTES).copy(body, 1 + EXPIRY_BYTES);
      return Uint8Array.from(Buffer.concat([body, mac(body, binding)]));
    },

    isValid(challenge, ceremony, binding) {
      const decoded = decode(challenge);
      if (!decoded) return false;
      const expected = mac(decoded.body, binding).toString('base64url');
      // The MAC first, in constant time: nothing else about a forged challenge is looked at.
      if (!constantTimeEqual(decoded.tag.toString('base64url'), expected)) return false;
      return decoded.ceremony === CEREMONY_BYTE[ceremony] && decoded.expiresAt > clock.now().getTime();
    },
  };
}

export function createChallengeStore(deps: { db: Db; clock: Clock; key: Buffer }): ChallengeStore {
  const { db, clock } = deps;
  return {
    ...createChallengeSigner(deps),

    async spend(challenge, database = db) {
      const decoded = decode(challenge);
      if (!decoded) return false;
      const rows = await database('passkey_challenge_uses')
        .insert({ challenge_hash: createHash('sha256').update(challenge).digest('base64url'), expires_at: new Date(decoded.expiresAt) })
        .onConflict('challenge_hash')
        .ignore()
        .returning('challenge_hash');
      // Answered challenges are kept only until they would have expired anyway (as jwt_uses).
      await database('passkey_challenge_uses').where('expires_at', '<', clock.now()).delete();
      return rows.length === 1;
    },
  };
}
