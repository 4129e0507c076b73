// Secrets for sign-in: random values from crypto.randomBytes, keyed hashes for storage, constant-time
// comparison, and authenticated encryption for mail bodies waiting in the outbox.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';

/** A key for one purpose, derived from the application secret so one secret serves all. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'portico', purpose, 32));
}

// Random bytes are drawn from crypto.randomFillSync a pool at a time, as Node's own randomUUID does:
// under load a call to randomBytes per token (a CSRF nonce for every new visitor's page; a sign-in's
// token, code, mail boundary, Message-ID and IV) is a system call each, and cost more than the rest of
// the token's work. Each byte is handed out once, and wiped as it is.
const pool = Buffer.alloc(4096);
let pooled = 0; // bytes still unused, at the end of the pool

/** `bytes` random bytes from the pool (a copy: the pool's are wiped as they are handed out). */
export function secureRandom(bytes: number): Buffer {
  if (bytes > pool.length) return randomBytes(bytes);
  if (pooled < bytes) {
    randomFillSync(pool);
    pooled = pool.length;
  }
  const start = pool.length - pooled;
  const out = Buffer.from(pool.subarray(start, start + bytes));
  pool.fill(0, start, start + bytes);
  pooled -= bytes;
  return out;
}

export function randomToken(bytes = 32): string {
  return secureRandom(bytes).toString('base64url');
}

// No 0/O, 1/I/L: a code read from a phone and typed on a laptop must survive the trip.
export const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** Uniformly random code (rejection sampling: no modulo bias). */
export function randomCode(length = 8): string {
  let out = '';
  const limit = 256 - (256 % CODE_ALPHABET.length);
  while (out.length < length) {
    for (const byte of secureRandom(length * 2)) {
      if (byte < limit && out.length < length) out += CODE_ALPHABET[byte % CODE_ALPHABET.length];
    }
  }
  return out;
}

export function keyedHash(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value).digest('base64url');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function encrypt(key: Buffer, plaintext: string): string {
  const iv = secureRandom(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

export function decrypt(key: Buffer, sealed: string): string {
  const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  if (!iv || !tag || !body) throw new Error('sealed value is malformed');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
}
