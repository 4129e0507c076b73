// How a page shows a moment: in the page's language and the viewer's time zone, as a
// <time datetime="…"> element whose attribute keeps the exact instant (ISO 8601, UTC), so a script can
// later show it in the browser's own zone. Until the server knows the viewer's zone, it is UTC.
import { escapeHtml, type Locale } from '../i18n/index.js';

export const DEFAULT_TIME_ZONE = 'UTC';

export type Moment = Date | string | number;

export interface DateTimeOptions {
  /** Show the seconds too (logs, where the order of close events matters). */
  seconds?: boolean;
  /** More attributes for the <time> element (escaped), e.g. a data-* hook. */
  attributes?: Record<string, string | number>;
}

/** The view local: a moment as a <time> element (HTML, print it with <%- %>). */
export type FormatDateTime = (moment: Moment, options?: DateTimeOptions) => string;

type Part = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'timeZoneName';
type Parts = Record<Part, string>;

// Each language's own order. Intl converts to the zone and names it in that language; the numbers are
// put in order here because Intl's English has no order every English reader takes the same way
// (03/12 is March to some, December to others).
const patterns: Record<Locale, (p: Parts, seconds: boolean) => string> = {
  // ISO 8601 order, as the console has always shown it: 2026-12-03 08:43 UTC.
  en: (p, seconds) => `${p.year}-${p.month}-${p.day} ${clock(p, seconds)} ${p.timeZoneName}`,
  // The German numeric date (DIN 5008): 03.12.2026, 08:43 UTC.
  de: (p, seconds) => `${p.day}.${p.month}.${p.year}, ${clock(p, seconds)} ${p.timeZoneName}`,
};

const clock = (p: Parts, seconds: boolean) => `${p.hour}:${p.minute}${seconds ? `:${p.second}` : ''}`;

// Making an Intl.DateTimeFormat costs far more than using one: one per language and zone, kept.
const formats = new Map<string, Intl.DateTimeFormat>();

function formatOf(locale: Locale, timeZone: string): Intl.DateTimeFormat {
  const key = `${locale} ${timeZone}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, {
      timeZone,
      numberingSystem: 'latn',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    formats.set(key, format);
  }
  return format;
}

function instant(moment: Moment): Date {
  const date = moment instanceof Date ? moment : new Date(moment);
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a date: ${String(moment)}`);
  return date;
}

/** A moment as text in a language and zone, e.g. "2026-12-03 08:43 UTC" or "03.12.2026, 08:43 UTC". */
export function formatDateTimeText(moment: Moment, locale: Locale, timeZone: string = DEFAULT_TIME_ZONE, seconds = false): string {
  const parts = {} as Parts;
  for (const { type, value } of formatOf(locale, timeZone).formatToParts(instant(moment))) parts[type as Part] = value;
  return patterns[locale](parts, seconds);
}

const ATTRIBUTE_NAME = /^[a-z][a-z0-9-]*$/;

/** The formatDateTime view local for a page in locale, for a viewer in timeZone. */
export function dateTimeFormatter(locale: Locale, timeZone: string = DEFAULT_TIME_ZONE): FormatDateTime {
  return (moment, options = {}) => {
    const date = instant(moment);
    let attributes = '';
    for (const [name, value] of Object.entries(options.attributes ?? {})) {
      if (!ATTRIBUTE_NAME.test(name)) throw new RangeError(`not an attribute name: ${name}`);
      attributes += ` ${name}="${escapeHtml(value)}"`;
    }
    return `<time datetime="${date.toISOString()}"${attributes}>${escapeHtml(formatDateTimeText(date, locale, timeZone, options.seconds))}</time>`;
  };
}
