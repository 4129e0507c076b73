// The PSA registry: PSA_PROVIDER and each vendor's own variables, read through the vendors' descriptors;
// builtin is no PSA at all.
import { systemClock } from '../../src/lib/clock.js';
import { createPsaAdapter, psaDisplayName, readPsaConfig } from '../../src/psa/registry.js';

const connectwise = {
  PSA_PROVIDER: 'connectwise',
  CONNECTWISE_URL: ' https://cw.example/v4_6_release/apis/3.0 ',
  CONNECTWISE_COMPANY_ID: 'msp',
  CONNECTWISE_PUBLIC_KEY: 'pub',
  CONNECTWISE_PRIVATE_KEY: 'priv',
  CONNECTWISE_CLIENT_ID: 'client',
};

describe('readPsaConfig', () => {
  it('is builtin by default and names every registered provider when the value is unknown', () => {
    expect(readPsaConfig({})).toEqual({ ok: true, config: { provider: 'builtin' } });
    expect(readPsaConfig({ PSA_PROVIDER: '' })).toEqual({ ok: false, problems: ['PSA_PROVIDER must be builtin, connectwise, autotask or halopsa'] });
  });

  it("reads the chosen vendor's variables, trimmed, blank ones as unset", () => {
    expect(readPsaConfig(connectwise)).toEqual({
      ok: true,
      config: {
        provider: 'connectwise',
        url: 'https://cw.example/v4_6_release/apis/3.0',
        companyId: 'msp',
        publicKey: 'pub',
        privateKey: 'priv',
        clientId: 'client',
      },
    });
    const halo = readPsaConfig({
      PSA_PROVIDER: 'halopsa',
      HALOPSA_URL: 'https://halo.example',
      HALOPSA_CLIENT_ID: 'id',
      HALOPSA_CLIENT_SECRET: 's',
      HALOPSA_TENANT: '  ',
    });
    expect(halo).toEqual({ ok: true, config: { provider: 'halopsa', url: 'https://halo.example', clientId: 'id', clientSecret: 's', tenant: undefined } });
    expect(readPsaConfig({ ...connectwise, CONNECTWISE_CLIENT_ID: ' ' })).toEqual({
      ok: false,
      missing: 'PSA_PROVIDER=connectwise needs CONNECTWISE_CLIENT_ID',
    });
  });

  it("reports a vendor's variable in a wrong format whichever provider is chosen, as every variable is", () => {
    expect(readPsaConfig({ HALOPSA_URL: 'ftp://halo.example' })).toEqual({
      ok: false,
      problems: ['HALOPSA_URL must be a URL starting with http:// or https://'],
    });
    expect(readPsaConfig({ PSA_PROVIDER: 'kaseya', AUTOTASK_URL: 'zone' })).toEqual({
      ok: false,
      problems: ['PSA_PROVIDER must be builtin, connectwise, autotask or halopsa', 'AUTOTASK_URL must be a URL starting with http:// or https://'],
    });
  });
});

describe('createPsaAdapter and psaDisplayName', () => {
  it("build no adapter for builtin, and the named vendor's adapter otherwise", () => {
    expect(createPsaAdapter({ provider: 'builtin' }, { clock: systemClock })).toBeUndefined();
    expect(psaDisplayName({ provider: 'builtin' })).toBe('Built-in directory');
    const read = readPsaConfig(connectwise);
    if (!read.ok) throw new Error('connectwise config expected');
    expect(createPsaAdapter(read.config, { clock: systemClock })?.provider).toBe('connectwise');
    expect(psaDisplayName(read.config)).toBe('ConnectWise Manage');
    const autotask = readPsaConfig({ PSA_PROVIDER: 'autotask', AUTOTASK_USERNAME: 'api@msp.example', AUTOTASK_SECRET: 's', AUTOTASK_INTEGRATION_CODE: 'c' });
    if (!autotask.ok) throw new Error('autotask config expected');
    expect(psaDisplayName(autotask.config)).toBe('Autotask');
    expect(createPsaAdapter(autotask.config, { clock: systemClock })?.provider).toBe('autotask');
  });
});
