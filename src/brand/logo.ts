// An uploaded logo: what it is, decided by its bytes (never by its name or the browser's Content-Type),
// and whether it is safe to serve. PNG and JPEG are served as they are; an SVG is a document that can
// carry script, so one that holds anything active or anything from elsewhere is refused with the reason
// (refusing is safer than rewriting markup with patterns). It is also served with a CSP that allows no
// script, and shown only through <img>, where browsers run none: three locks, each enough on its own.
import { createHash } from 'node:crypto';
import { ValidationError } from '../lib/errors.js';

export const LOGO_MAX_BYTES = 512 * 1024;

export type LogoType = 'image/png' | 'image/jpeg' | 'image/svg+xml';
export const LOGO_EXTENSIONS: Record<LogoType, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/svg+xml': 'svg' };

export interface Logo {
  bytes: Buffer;
  contentType: LogoType;
  sha256: string;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG_SIGNATURE = Buffer.from([0xff, 0xd8, 0xff]);

const refuse = (reason: string): never => {
  throw new ValidationError(reason, { logo: reason });
};

function svgText(bytes: Buffer): string | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  // An SVG file: optional BOM, XML declaration, comments and DOCTYPE (refused below), then the <svg> element.
  const start = text.replace(/^\uFEFF/, '').replace(/^(\s|<\?xml[^>]*\?>|<!--[\s\S]*?-->|<!DOCTYPE[^[>]*(\[[\s\S]*?\])?\s*>)*/i, '');
  return /^<svg[\s>]/.test(start) ? text : undefined;
}

// What an image has no business holding. Each entry: a pattern and the reason shown to the admin.
const SVG_REFUSALS: Array<[RegExp, string]> = [
  [/<!DOCTYPE|<!ENTITY/i, 'The SVG has a DOCTYPE or entities; save it as plain SVG and upload it again.'],
  [/<script[\s>/]/i, 'The SVG contains a script; logos must not run code. Remove the <script> element and upload it again.'],
  [/<foreignObject[\s>/]/i, 'The SVG contains a foreignObject (HTML inside the image); remove it and upload it again.'],
  [
    /<(iframe|embed|object|audio|video|image|animate|set|a)[\s>/]/i,
    'The SVG contains links, embedded files or animations; a logo needs only shapes, text and styles.',
  ],
  [/\son[a-z]+\s*=/i, 'The SVG contains event handlers (onload, onclick…); remove them and upload it again.'],
  [/javascript:|data:|vbscript:/i, 'The SVG contains a javascript: or data: address; remove it and upload it again.'],
  [/@import|url\(\s*['"]?(?!#)/i, 'The SVG loads something from elsewhere (url(…) or @import); only references inside the file (#id) are allowed.'],
];

function checkSvg(text: string): void {
  for (const [pattern, reason] of SVG_REFUSALS) if (pattern.test(text)) refuse(reason);
  // href / xlink:href may only point inside the file.
  for (const [, value] of text.matchAll(/\s(?:xlink:)?href\s*=\s*["']([^"']*)["']/gi)) {
    if (!value!.trim().startsWith('#')) refuse('The SVG refers to something outside the file (an href not starting with #); a logo must be self-contained.');
  }
}

/** The logo in an upload, or a ValidationError (field "logo") saying what is wrong with it. */
export function readLogo(bytes: Buffer): Logo {
  if (bytes.length === 0) refuse('The file is empty. Choose a PNG, JPEG or SVG image.');
  if (bytes.length > LOGO_MAX_BYTES) refuse(`The logo is ${Math.ceil(bytes.length / 1024)} KB; at most ${LOGO_MAX_BYTES / 1024} KB is allowed.`);
  let contentType: LogoType;
  if (bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) contentType = 'image/png';
  else if (bytes.subarray(0, JPEG_SIGNATURE.length).equals(JPEG_SIGNATURE)) contentType = 'image/jpeg';
  else {
    const text = svgText(bytes);
    if (text === undefined) return refuse('This file is not a PNG, JPEG or SVG image (judged by its content, not its name).');
    checkSvg(text);
    contentType = 'image/svg+xml';
  }
  return { bytes, contentType, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** The path a logo is served at from this portal's own origin. */
export function logoPath(sha256: string, contentType: string): string {
  return `/brand/logo/${sha256}.${LOGO_EXTENSIONS[contentType as LogoType] ?? 'bin'}`;
}
