// The viewer's time zone from the browser's cookie: believed only for zones Intl knows, in Intl's spelling.
import { dateTimeFormatter, formatDateTimeText } from '../../src/lib/date-time.js';
import { knownTimeZone, viewerTimeZone } from '../../src/lib/time-zone.js';

const winter = new Date('2026-12-03T08:43:21.000Z');
const summer = new Date('2026-07-01T22:15:00.000Z');

describe('dates in the viewer’s language and zone', () => {
  it('writes German in Europe/Berlin with the German zone name, summer time included', () => {
    expect(formatDateTimeText(winter, 'de', viewerTimeZone('Europe/Berlin'))).toBe('03.12.2026, 09:43 MEZ');
    expect(formatDateTimeText(summer, 'de', viewerTimeZone('Europe/Berlin'))).toBe('02.07.2026, 00:15 MESZ');
  });

  it('writes English in America/New_York with the day it is there', () => {
    expect(formatDateTimeText(winter, 'en', viewerTimeZone('America/New_York'))).toBe('2026-12-03 03:43 EST');
    expect(formatDateTimeText(summer, 'en', viewerTimeZone('America/New_York'))).toBe('2026-07-01 18:15 EDT');
    expect(dateTimeFormatter('en', viewerTimeZone('America/New_York'))(winter)).toBe('<time datetime="2026-12-03T08:43:21.000Z">2026-12-03 03:43 EST</time>');
  });

  it('ignores a cookie that is not a known zone, and shows UTC saying so', () => {
    for (const cookie of [
      undefined,
      '',
      'Nowhere/City',
      'Europe/Berlin<script>',
      '../../etc/passwd',
      'Europe/Berlin; x=1',
      'x'.repeat(200),
      'Mars/Olympus_Mons',
    ]) {
      expect({ cookie, zone: viewerTimeZone(cookie) }).toEqual({ cookie, zone: 'UTC' });
    }
    expect(formatDateTimeText(winter, 'de', viewerTimeZone('Nowhere/City'))).toBe('03.12.2026, 08:43 UTC');
  });

  it('takes a zone in Intl’s own spelling, whatever case or old alias the cookie used', () => {
    expect(knownTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(knownTimeZone('Etc/UTC')).toBe('UTC');
    expect(knownTimeZone('Asia/Kolkata')).toMatch(/^Asia\/(Kolkata|Calcutta)$/);
    expect(knownTimeZone(42)).toBeUndefined();
  });
});
