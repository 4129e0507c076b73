// Microsoft Entra ID played by a real OpenID Provider (oidc-provider) on loopback. As with Entra's
// multi-tenant "organizations" authority, discovery publishes the issuer template
// "<origin>/{tenantid}/v2.0"; each tenant is its own provider whose tokens carry iss "<origin>/<tid>/v2.0"
// and the claims tid, oid, preferred_username, email and xms_edov; all tenants share one signing key
// set, published at the common keys endpoint.
// Sources (Microsoft identity platform documentation, learn.microsoft.com/entra/identity-platform/):
// - "OpenID Connect on the Microsoft identity platform" (v2-protocols-oidc): the discovery document of
//   /organizations/v2.0 with issuer "https://login.microsoftonline.com/{tenantid}/v2.0", the authorize and
//   token endpoints under /organizations/oauth2/v2.0/, and the keys at /discovery/v2.0/keys;
// - "Microsoft identity platform and OAuth 2.0 authorization code flow" (v2-oauth2-auth-code-flow): code +
//   PKCE, prompt=select_account, login_hint, the error redirect (error, error_description);
// - "ID token claims reference" (id-token-claims-reference): tid, oid, preferred_username, email, name,
//   given_name/family_name, aud and azp; the optional claim xms_edov ("optional-claims-reference").
// oidc-provider cannot issue a token with several audiences, so that answer is rewritten (see below).
import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import Provider from 'oidc-provider';

export interface EntraUser {
  tenant: string;
  oid: string;
  email?: string;
  preferredUsername?: string;
  xmsEdov?: boolean;
  name?: string;
  givenName?: string;
  familyName?: string;
  /** Put a different tid in the token than the tenant whose issuer signs it. */
  tidClaim?: string;
  /** Audiences besides the portal's (aud becomes an array), and the azp claim: the ID token is signed again with them. */
  extraAudiences?: string[];
  azp?: string;
}

export interface FakeEntra {
  origin: string;
  /** MICROSOFT_AUTHORITY for the app. */
  authority: string;
  /** Who signs in at the next authorization request, or "cancel" to press Cancel. */
  next(user: EntraUser | 'cancel'): void;
  /** Makes the token endpoint fail until called with undefined: drop the connection, or answer 503. */
  failToken(mode: 'drop' | 503 | undefined): void;
  /** Follows the browser's redirects through the provider; returns the URL Microsoft sends it back to. */
  authorize(authorizeUrl: string): Promise<URL>;
  close(): Promise<void>;
}

export async function startFakeEntra(options: {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  tenants: string[];
  unpublishedKeyTenants?: string[];
}): Promise<FakeEntra> {
  const app = express();
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'entra-test-key', alg: 'RS256', use: 'sig' };
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicKey } = signingKey;
  // A tenant that signs with a key of its own, published nowhere: its tokens must be refused.
  const rogueKey = {
    ...(await exportJWK((await generateKeyPair('RS256', { extractable: true })).privateKey)),
    kid: 'entra-test-key',
    alg: 'RS256',
    use: 'sig',
  };

  let upcoming: EntraUser | 'cancel' | undefined;
  let current: EntraUser | undefined;
  const users = new Map<string, EntraUser>();

  const providers = new Map<string, Provider>();
  for (const tenant of options.tenants) {
    const provider = new Provider(`${origin}/${tenant}/v2.0`, {
      clients: [
        {
          client_id: options.clientId,
          client_secret: options.clientSecret,
          redirect_uris: options.redirectUris,
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      jwks: { keys: [options.unpublishedKeyTenants?.includes(tenant) ? rogueKey : signingKey] },
      claims: {
        openid: ['sub', 'tid', 'oid', 'preferred_username', 'xms_edov'],
        profile: ['name', 'given_name', 'family_name'],
        email: ['email'],
      },
      conformIdTokenClaims: false,
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/${tenant}/interaction/${interaction.uid}` },
      cookies: { keys: ['entra-test-cookie-key'] },
      pkce: { required: () => true },
      findAccount: async (_ctx: unknown, sub: string) => {
        const user = users.get(sub);
        if (!user) return undefined;
        return {
          accountId: sub,
          claims: async () => ({
            sub,
            tid: user.tidClaim ?? user.tenant,
            oid: user.oid,
            preferred_username: user.preferredUsername ?? user.email,
            email: user.email,
            xms_edov: user.xmsEdov,
            name: user.name,
            given_name: user.givenName,
            family_name: user.familyName,
          }),
        };
      },
    });
    providers.set(tenant, provider);

    // The "sign-in page": signs in whoever the test chose, or cancels.
    app.get(`/${tenant}/interaction/:uid`, async (req, res, next) => {
      try {
        const details = await provider.interactionDetails(req, res);
        if (details.prompt.name === 'login') {
          const choice = upcoming;
          upcoming = undefined;
          if (!choice || choice === 'cancel') {
            await provider.interactionFinished(
              req,
              res,
              { error: 'access_denied', error_description: 'AADSTS65004: User declined to consent' },
              { mergeWithLastSubmission: false },
            );
            return;
          }
          const sub = `${choice.tenant}:${choice.oid}`;
          users.set(sub, choice);
          current = choice;
          await provider.interactionFinished(req, res, { login: { accountId: sub } }, { mergeWithLastSubmission: false });
          return;
        }
        const grant = new provider.Grant({ accountId: details.session!.accountId, clientId: options.clientId });
        grant.addOIDCScope('openid profile email');
        await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
      } catch (error) {
        next(error);
      }
    });
    app.use(`/${tenant}/v2.0`, provider.callback());
  }

  // The multi-tenant endpoints: one discovery document, authorize and token routed to the tenant of
  // the person signing in, and the common keys.
  app.get('/organizations/v2.0/.well-known/openid-configuration', (_req, res) => {
    res.json({
      issuer: `${origin}/{tenantid}/v2.0`,
      authorization_endpoint: `${origin}/organizations/oauth2/v2.0/authorize`,
      token_endpoint: `${origin}/organizations/oauth2/v2.0/token`,
      jwks_uri: `${origin}/organizations/discovery/v2.0/keys`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      scopes_supported: ['openid', 'profile', 'email'],
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['S256'],
    });
  });
  app.get('/organizations/discovery/v2.0/keys', (_req, res) => {
    res.json({ keys: [publicKey] });
  });
  app.get('/organizations/oauth2/v2.0/authorize', (req, res) => {
    const tenant = upcoming && upcoming !== 'cancel' ? upcoming.tenant : options.tenants[0]!;
    const query = new URLSearchParams(req.query as Record<string, string>);
    // Entra's prompt=select_account shows its account picker; here the test has picked already, and
    // oidc-provider does not know that prompt value.
    if (query.get('prompt') === 'select_account') query.delete('prompt');
    res.redirect(302, `/${tenant}/v2.0/auth?${query}`);
  });
  // Entra can issue ID tokens for several audiences (aud an array, azp the requesting app); oidc-provider
  // cannot, so for such a user the token endpoint's answer is rewritten and the ID token signed again
  // with the same key.
  async function withAudiences(body: string, user: EntraUser): Promise<string> {
    const answer = JSON.parse(body) as { id_token?: string };
    if (!answer.id_token) return body;
    const claims = decodeJwt(answer.id_token);
    const aud = [...([] as string[]).concat(claims.aud ?? []), ...(user.extraAudiences ?? [])];
    const payload = { ...claims, aud, ...(user.azp ? { azp: user.azp } : {}) };
    const key = await importJWK(signingKey, 'RS256');
    answer.id_token = await new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: signingKey.kid }).sign(key);
    return JSON.stringify(answer);
  }
  function rewriteTokenAnswer(res: express.Response, user: EntraUser) {
    const chunks: Buffer[] = [];
    const end = res.end.bind(res);
    res.setHeader = ((name: string, value: string | number | readonly string[]) =>
      name.toLowerCase() === 'content-length' ? res : Object.getPrototypeOf(res).setHeader.call(res, name, value)) as typeof res.setHeader;
    res.write = ((chunk: Buffer | string) => (chunks.push(Buffer.from(chunk)), true)) as typeof res.write;
    res.end = ((chunk?: Buffer | string) => {
      if (chunk) chunks.push(Buffer.from(chunk));
      void withAudiences(Buffer.concat(chunks).toString(), user).then((body) => end(body));
      return res;
    }) as typeof res.end;
  }
  let tokenFailure: 'drop' | 503 | undefined;
  app.post('/organizations/oauth2/v2.0/token', (req, res) => {
    if (tokenFailure === 'drop') return req.socket.destroy();
    if (tokenFailure === 503) return res.status(503).json({ error: 'temporarily_unavailable' });
    const tenant = current?.tenant ?? options.tenants[0]!;
    if (current && (current.extraAudiences || current.azp)) rewriteTokenAnswer(res, current);
    req.url = '/token';
    (req as { originalUrl: string }).originalUrl = `/${tenant}/v2.0/token`;
    providers.get(tenant)!.callback()(req, res);
  });

  // A browser with its own cookies for the provider's pages.
  async function authorize(authorizeUrl: string): Promise<URL> {
    const jar = new Map<string, string>();
    let url = new URL(authorizeUrl);
    for (let hop = 0; hop < 20; hop++) {
      if (url.origin !== origin) return url;
      const response = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
      for (const cookie of response.headers.getSetCookie()) {
        const [pair] = cookie.split(';');
        const [name, ...value] = pair!.split('=');
        jar.set(name!.trim(), value.join('='));
      }
      const location = response.headers.get('location');
      if (!location) throw new Error(`the provider stopped at ${url} with ${response.status}: ${(await response.text()).slice(0, 300)}`);
      url = new URL(location, url);
    }
    throw new Error('too many redirects at the provider');
  }

  return {
    origin,
    authority: `${origin}/organizations/v2.0`,
    next(user) {
      upcoming = user;
    },
    failToken(mode) {
      tokenFailure = mode;
    },
    authorize,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
