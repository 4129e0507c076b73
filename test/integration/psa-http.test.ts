// The shared PSA HTTP client's rules, seen through a real adapter and its vendor's test server.
import { startFakeConnectWise } from '../fakes/connectwise.js';
import { createConnectWiseAdapter } from '../../src/psa/connectwise/adapter.js';
import { sameProvider } from '../../src/psa/autotask/adapter.js';

const creds = { companyId: 'msp', publicKey: 'pub', privateKey: 'priv', clientId: 'client-1' };

it('backs off on a 429 without Retry-After instead of hammering the vendor', async () => {
  const cw = await startFakeConnectWise(creds);
  try {
    cw.companies.push({ id: 1, identifier: 'A', name: 'Alpha' });
    const adapter = createConnectWiseAdapter({ provider: 'connectwise', url: cw.url, ...creds }, { backoffMs: 300 });
    cw.failNext({ status: 429, times: 1 });
    const started = Date.now();
    expect(await adapter.getCompany('1')).toEqual({ id: '1', name: 'Alpha', active: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(cw.requests.filter((r) => r.path === '/company/companies/1')).toHaveLength(2);
  } finally {
    await cw.close();
  }
});

it('sends Autotask credentials only to an Autotask zone named by the lookup', () => {
  const lookup = new URL('https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation');
  expect(sameProvider(lookup, new URL('https://webservices5.autotask.net/atservicesrest/'))).toBe(true);
  expect(sameProvider(lookup, new URL('https://evil.example/atservicesrest/'))).toBe(false);
  expect(sameProvider(lookup, new URL('https://autotask.net.evil.example/'))).toBe(false);
  expect(sameProvider(lookup, new URL('http://webservices5.autotask.net/'))).toBe(false);
  expect(sameProvider(new URL('http://127.0.0.1:4000/zone'), new URL('http://127.0.0.1:4000/atservicesrest/'))).toBe(true);
});
