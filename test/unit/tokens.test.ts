// The shape of secrets: codes from the unambiguous alphabet, uniform and unique enough; normalization.
import { CODE_ALPHABET, randomCode, randomToken, secureRandom } from '../../src/lib/crypto.js';
import { normalizeCode } from '../../src/auth/login-tokens.js';
import { parseRateLimit } from '../../src/lib/rate-limit-rule.js';

it('makes 8-character codes from an alphabet without look-alikes', () => {
  expect(CODE_ALPHABET).not.toMatch(/[01ILO]/);
  const codes = Array.from({ length: 2000 }, () => randomCode(8));
  for (const code of codes) expect(code).toMatch(new RegExp(`^[${CODE_ALPHABET}]{8}$`));
  expect(new Set(codes).size).toBe(codes.length);
  // every character of the alphabet turns up
  expect(new Set(codes.join('')).size).toBe(CODE_ALPHABET.length);
});

it('makes 256-bit link secrets', () => {
  const secret = randomToken(32);
  expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
  expect(randomToken(32)).not.toBe(secret);
});

it('hands out every pooled random byte once, across refills of the pool', () => {
  // Mixed sizes, many times the pool's 4 KiB: tokens that straddle a refill come out whole and new.
  const sizes = [16, 24, 32, 5000];
  const tokens = Array.from({ length: 1200 }, (_, i) => [sizes[i % sizes.length]!, randomToken(sizes[i % sizes.length])] as const);
  for (const [size, token] of tokens) expect(Buffer.from(token, 'base64url')).toHaveLength(size);
  expect(new Set(tokens.map(([, token]) => token)).size).toBe(tokens.length);
});

it('normalizes typed codes: any case, dash and spaces ignored', () => {
  expect(normalizeCode(' abcd-efgh ')).toBe('ABCDEFGH');
  expect(normalizeCode('AbCd EfGh')).toBe('ABCDEFGH');
});

it('parses rate-limit rules and refuses nonsense', () => {
  expect(parseRateLimit('20/15m')).toMatchObject({ limit: 20, windowMs: 900_000 });
  expect(parseRateLimit('5/h')).toMatchObject({ limit: 5, windowMs: 3_600_000 });
  expect(() => parseRateLimit('0/1m')).toThrow();
  expect(() => parseRateLimit('20 per minute')).toThrow();
});

it('gives each caller its own copy of the random bytes: the pool wiping them later changes nothing', () => {
  const iv = secureRandom(12);
  const kept = Buffer.from(iv);
  for (let i = 0; i < 1000; i++) secureRandom(12); // past several refills of the pool
  expect(iv.equals(kept)).toBe(true);
  expect(kept.equals(Buffer.alloc(12))).toBe(false);
});
