// HaloPSA as Portico knows it: PSA_PROVIDER=halopsa and its HALOPSA_* variables.
import { optionalText, urlWithProtocol } from '../../lib/env.js';
import { definePsaVendor } from '../vendor.js';
import { createHaloPsaAdapter, type HaloConfig } from './adapter.js';

export const halopsa = definePsaVendor({
  id: 'halopsa',
  displayName: 'HaloPSA',
  environment: {
    HALOPSA_URL: urlWithProtocol(['http:', 'https:']),
    HALOPSA_CLIENT_ID: optionalText(),
    HALOPSA_CLIENT_SECRET: optionalText(),
    HALOPSA_TENANT: optionalText(),
  },
  required: ['HALOPSA_URL', 'HALOPSA_CLIENT_ID', 'HALOPSA_CLIENT_SECRET'],
  config: (env): HaloConfig => ({
    provider: 'halopsa',
    url: env.HALOPSA_URL,
    clientId: env.HALOPSA_CLIENT_ID,
    clientSecret: env.HALOPSA_CLIENT_SECRET,
    tenant: env.HALOPSA_TENANT,
  }),
  // The clock decides when the cached OAuth token is renewed.
  create: (config, deps) => createHaloPsaAdapter(config, deps),
});
