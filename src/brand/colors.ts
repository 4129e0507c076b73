// Accent colours: #rrggbb only, and only ones white text stays readable on (buttons carry white text).
// Contrast per WCAG 2.x: relative luminance of sRGB, ratio (L1 + 0.05) / (L2 + 0.05); 4.5:1 is the
// AA minimum for normal text (success criterion 1.4.3).
export const HEX_COLOR = /^#[0-9a-f]{6}$/i;
export const MIN_CONTRAST_WITH_WHITE = 4.5;

function channel(value: number): number {
  const c = value / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** WCAG relative luminance of a #rrggbb colour (0 black … 1 white). */
export function relativeLuminance(hex: string): number {
  const n = Number.parseInt(hex.slice(1), 16);
  return 0.2126 * channel((n >> 16) & 0xff) + 0.7152 * channel((n >> 8) & 0xff) + 0.0722 * channel(n & 0xff);
}

/** Contrast of white text on this colour, e.g. 21 for black, 1 for white. */
export function contrastWithWhite(hex: string): number {
  return 1.05 / (relativeLuminance(hex) + 0.05);
}

/** Why white text on the colour is unreadable, or null when it is fine. */
export function accentProblem(hex: string): string | null {
  if (!HEX_COLOR.test(hex)) return 'Enter a colour as #rrggbb, e.g. #1d4ed8';
  const ratio = contrastWithWhite(hex);
  if (ratio >= MIN_CONTRAST_WITH_WHITE) return null;
  const minimum = `buttons need at least ${MIN_CONTRAST_WITH_WHITE}:1 (WCAG AA)`;
  return `White text on ${hex.toLowerCase()} has a contrast of ${ratio.toFixed(2)}:1; ${minimum}. Choose a darker colour.`;
}
