// Sign-in rate limits per IP and per address answer 429 with Retry-After. TRUST_PROXY lets each
// test speak from its own client address (X-Forwarded-For), so windows do not leak between tests.
import { Redis } from 'ioredis';
import { createRedisRateLimitStore } from '../../src/http/rate-limit.js';
import { startTestApp, usingRedis, type TestApp } from '../helpers/app.js';
import { createContact } from '../helpers/factories.js';
import { requestToken, submitCode } from '../helpers/http.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({
    env: { TRUST_PROXY: 'true', SIGNIN_RATE_LIMIT_PER_IP: '6/1m', SIGNIN_RATE_LIMIT_PER_ADDRESS: '2/15m', SIGNIN_CODE_FAILURES_PER_ADDRESS: '3/1h' },
  });
});
afterAll(async () => t.close());

const from = (ip: string) => t.agent().set('X-Forwarded-For', ip);

it('limits requests per address, known or not, with 429 and Retry-After', async () => {
  const contact = await createContact(t.services.db, { email: `limited-${Date.now()}@contoso.example` });
  let ip = 10;
  for (const email of [contact.email, `unknown-${Date.now()}@contoso.example`]) {
    expect((await requestToken(from(`198.51.100.${ip++}`), email)).status).toBe(200);
    expect((await requestToken(from(`198.51.100.${ip++}`), email)).status).toBe(200);
    const third = await requestToken(from(`198.51.100.${ip++}`), email);
    expect(third.status).toBe(429);
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(800);
    expect(third.text).toContain('Too many attempts');
  }
});

it('counts wrong codes per address, and a resend does not reset the count', async () => {
  const email = `guesser-${Date.now()}@contoso.example`;
  await createContact(t.services.db, { email });
  const agent = from('198.51.100.50');
  await requestToken(agent, email);
  for (let i = 0; i < 3; i++) expect((await submitCode(agent, 'AAAA-AAAA')).status).toBe(400);
  const blocked = await submitCode(agent, 'AAAA-AAAA');
  expect(blocked.status).toBe(429);
  expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);

  // A new token for the same address (another browser, after the cooldown) gets no new guesses.
  t.clock.advance(61_000);
  const other = from('198.51.100.51');
  await requestToken(other, email);
  expect((await submitCode(other, 'BBBB-BBBB')).status).toBe(429);
});

it('limits requests per IP', async () => {
  const agent = from('198.51.100.99');
  const statuses: number[] = [];
  for (let i = 0; i < 7; i++) statuses.push((await requestToken(agent, `ip-${i}-${Date.now()}@contoso.example`)).status);
  expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429]);
  // Another client is not affected.
  expect((await requestToken(from('198.51.100.100'), `ip-other-${Date.now()}@contoso.example`)).status).toBe(200);
});

// The Redis counter runs as a script sent by its SHA; a Redis that has forgotten it (restarted, or
// SCRIPT FLUSH) is sent the script again, and the count goes on. Only where the suite has a Redis: the
// embedded run keeps its counters in the database (tested above through the same routes).
if (usingRedis) {
  it('keeps counting in Redis after Redis forgets the script', async () => {
    const redis = new Redis(process.env.REDIS_URL!);
    try {
      const store = createRedisRateLimitStore(redis, `portico-test:${Date.now()}:`, t.clock);
      expect((await store.increment('flush', 60_000)).count).toBe(1);
      await redis.script('FLUSH');
      const second = await store.increment('flush', 60_000);
      expect(second.count).toBe(2);
      expect(second.resetAt.getTime() - t.clock.now().getTime()).toBeGreaterThan(50_000);
      expect((await store.read('flush'))?.count).toBe(2);
    } finally {
      redis.disconnect();
    }
  });
}
