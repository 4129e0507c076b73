// The Microsoft entry of the sign-in methods page, from the configuration as loadConfig reads it: on
// with the app's details when MICROSOFT_* is set, and the redirect URIs to copy always built from BASE_URL.
import { microsoftSignIn } from '../../src/admin/sign-in-methods.js';
import { loadConfig } from '../../src/config.js';

const base = { NODE_ENV: 'test', BASE_URL: 'https://portal.msp.example', SESSION_SECRET: 'test-secret-that-is-long-enough-to-pass-validation' };

it('shows Microsoft enabled with its app, tenant and the redirect URIs built from BASE_URL', async () => {
  const config = loadConfig({
    ...base,
    MICROSOFT_CLIENT_ID: '0c0c0c0c-1111-4222-8333-444444444444',
    MICROSOFT_CLIENT_SECRET: 'secret',
    MSP_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  });
  const method = await microsoftSignIn({ config });
  expect(method.enabled).toBe(true);
  expect(method.needs[0]).toEqual({ text: expect.stringContaining('Configured: app 0c0c0c0c-1111-4222-8333-444444444444'), ok: true });
  expect(method.needs[1]!.ok).toBe(true);
  expect(method.copy.map((c) => c.value)).toEqual([
    'https://portal.msp.example/auth/microsoft/callback',
    'https://portal.msp.example/admin/auth/microsoft/callback',
  ]);
  expect(method.who).toContain('staff');
});

it('shows Microsoft disabled and what is missing when it is not configured', async () => {
  const method = await microsoftSignIn({ config: loadConfig(base) });
  expect(method.enabled).toBe(false);
  expect(method.needs[0]).toEqual({ text: expect.stringContaining('Not configured'), ok: false });
  expect(method.who).not.toContain('staff');
});
