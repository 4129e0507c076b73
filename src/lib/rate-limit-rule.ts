// "N/window" rules such as "20/15m" or "5/1h", as the SIGNIN_RATE_LIMIT_* variables are written.
export interface RateLimitRule {
  limit: number;
  windowMs: number;
  text: string;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseRateLimit(text: string): RateLimitRule {
  const match = /^(\d+)\/(\d*)([smhd])$/.exec(text.trim());
  if (!match) throw new Error(`must look like "20/15m" (count/window; window units s, m, h or d), got "${text}"`);
  const limit = Number(match[1]);
  const windowMs = Number(match[2] || '1') * UNIT_MS[match[3]!]!;
  if (limit < 1 || windowMs < 1000) throw new Error(`must allow at least 1 request in a window of at least 1s, got "${text}"`);
  return { limit, windowMs, text: text.trim() };
}
