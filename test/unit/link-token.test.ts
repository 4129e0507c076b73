// Links copied with junk at their end: back to the token they start with, or "looks cut".
import { cleanLinkPath, emailFromLink, readLinkToken } from '../../src/auth/link-token.js';

const TOKEN = '0b7f3c1e-8a4d-4f55-9c1b-2f0e6d7a9b10.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE';

it('a token as issued is clean', () => {
  expect(readLinkToken(TOKEN)).toEqual({ kind: 'clean', token: TOKEN });
});

it.each(['\\n\\nOr', '\\n', '.', ')', '>', ' Or enter this code', '"', 'nOr', '&amp;'])('a token followed by %j is brought back to the token', (junk) => {
  expect(readLinkToken(TOKEN + junk)).toEqual({ kind: 'trailing', token: TOKEN });
});

it.each([TOKEN.slice(0, -1), TOKEN.slice(0, 20), `${TOKEN.slice(0, 50)}\\n${TOKEN.slice(50)}`, TOKEN.toUpperCase(), '', ` ${TOKEN}`])(
  'a cut or mangled token is damaged: %j',
  (raw) => {
    expect(readLinkToken(raw)).toEqual({ kind: 'damaged' });
  },
);

it('the clean link keeps the path and carries the token alone', () => {
  expect(cleanLinkPath('/signin/verify', TOKEN)).toBe(`/signin/verify?token=${TOKEN}`);
});

it.each([
  ['alex@contoso.example', 'alex@contoso.example'],
  ['alex@contoso.example\\n\\nOr', 'alex@contoso.example'],
  ['alex@contoso.example.', 'alex@contoso.example'],
  ['alex@contoso.example) and', 'alex@contoso.example'],
  ['alex@contoso.example%20', 'alex@contoso.example'],
])('an address from an invitation link, %j, loses what was copied after it', (raw, email) => {
  expect(emailFromLink(raw)).toBe(email);
});
