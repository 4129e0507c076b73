// Autotask as Portico knows it: PSA_PROVIDER=autotask and its AUTOTASK_* variables.
import { optionalText, urlWithProtocol } from '../../lib/env.js';
import { definePsaVendor } from '../vendor.js';
import { createAutotaskAdapter, type AutotaskConfig } from './adapter.js';

export const autotask = definePsaVendor({
  id: 'autotask',
  displayName: 'Autotask',
  environment: {
    // The zone's base; unset, the zone is looked up from the username.
    AUTOTASK_URL: urlWithProtocol(['http:', 'https:']),
    AUTOTASK_USERNAME: optionalText(),
    AUTOTASK_SECRET: optionalText(),
    AUTOTASK_INTEGRATION_CODE: optionalText(),
  },
  required: ['AUTOTASK_USERNAME', 'AUTOTASK_SECRET', 'AUTOTASK_INTEGRATION_CODE'],
  config: (env): AutotaskConfig => ({
    provider: 'autotask',
    url: env.AUTOTASK_URL,
    username: env.AUTOTASK_USERNAME,
    secret: env.AUTOTASK_SECRET,
    integrationCode: env.AUTOTASK_INTEGRATION_CODE,
  }),
  create: (config, { timeoutMs, retries, backoffMs }) => createAutotaskAdapter(config, { timeoutMs, retries, backoffMs }),
});
