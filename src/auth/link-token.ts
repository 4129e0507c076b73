// The token of a sign-in link as it arrived. A link copied out of a log, a chat or a ticket often
// carries junk at its end: "\n\nOr" (the mail text's next line, copied from one JSON log line), a full
// stop, ")", ">", "%20…". A token has a fixed form (login-tokens.ts), so such a link is brought back to
// the token it starts with (the caller redirects to the clean link); a link too short or broken in the
// middle gets a hint that it looks cut, rather than a bare "not valid". Nothing here checks the token
// itself: that stays with the token store.
import { LINK_TOKEN_PATTERN } from './login-tokens.js';

export type LinkTokenReading =
  /** As issued; look it up. */
  | { kind: 'clean'; token: string }
  /** A well-formed token followed by junk: send the browser to the link with `token` alone. */
  | { kind: 'trailing'; token: string }
  /** Not a token, nor one with junk after it (cut off, mangled, empty). */
  | { kind: 'damaged' };

const TOKEN_AT_START = new RegExp(`^${LINK_TOKEN_PATTERN}`);

export function readLinkToken(raw: string): LinkTokenReading {
  const match = TOKEN_AT_START.exec(raw);
  if (!match) return { kind: 'damaged' };
  return match[0].length === raw.length ? { kind: 'clean', token: raw } : { kind: 'trailing', token: match[0] };
}

/** The link's path with the clean token alone in its query (a local path: redirects never leave the site). */
export const cleanLinkPath = (path: string, token: string): string => `${path}?${new URLSearchParams({ token })}`;

/** An address from an invitation link (/signin?email=…) without what was copied after it: a break, a space, a bracket, a full stop. */
export function emailFromLink(raw: string): string {
  return raw
    .split(/[\s\\<>()"']|%20|%5C/i)[0]!
    .replace(/[.,;:!?]+$/, '')
    .slice(0, 254);
}
