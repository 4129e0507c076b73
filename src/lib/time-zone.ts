// The viewer's time zone, as their browser reports it (public/js/site.js sets the cookie from
// Intl.DateTimeFormat().resolvedOptions().timeZone). The cookie is the browser's word, so it is believed
// only when it names a zone Intl knows, and then in Intl's own spelling: a page never carries a raw
// cookie value, and the formats kept per zone (lib/date-time.ts) stay as few as the zones there are.
import { DEFAULT_TIME_ZONE } from './date-time.js';

// IANA names: "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+1", "UTC".
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

const known = new Map<string, string>();

/** The zone in Intl's spelling when Intl knows it, else undefined. */
export function knownTimeZone(value: unknown): string | undefined {
  if (typeof value !== 'string' || !ZONE_NAME.test(value)) return undefined;
  const hit = known.get(value);
  if (hit) return hit;
  let zone: string;
  try {
    zone = new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return undefined; // RangeError: not a zone
  }
  // Only Intl's spellings are remembered (a bounded set), not every casing a browser could send.
  if (zone === value) known.set(value, zone);
  return zone;
}

/** The zone a page is shown in: the cookie's when it is a known zone, else UTC (the page says so). */
export function viewerTimeZone(cookie: string | undefined): string {
  return knownTimeZone(cookie) ?? DEFAULT_TIME_ZONE;
}
