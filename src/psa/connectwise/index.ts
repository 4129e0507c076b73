// ConnectWise Manage as Portico knows it: PSA_PROVIDER=connectwise and its CONNECTWISE_* variables.
import { optionalText, urlWithProtocol } from '../../lib/env.js';
import { definePsaVendor } from '../vendor.js';
import { createConnectWiseAdapter, type ConnectWiseConfig } from './adapter.js';

export const connectwise = definePsaVendor({
  id: 'connectwise',
  displayName: 'ConnectWise Manage',
  environment: {
    // The API host and the codebase path, e.g. https://api-na.myconnectwise.net/v4_6_release/apis/3.0
    // (cloud API hosts carry the api- prefix; see ./host.ts)
    CONNECTWISE_URL: urlWithProtocol(['http:', 'https:']),
    CONNECTWISE_COMPANY_ID: optionalText(),
    CONNECTWISE_PUBLIC_KEY: optionalText(),
    CONNECTWISE_PRIVATE_KEY: optionalText(),
    CONNECTWISE_CLIENT_ID: optionalText(),
  },
  required: ['CONNECTWISE_URL', 'CONNECTWISE_COMPANY_ID', 'CONNECTWISE_PUBLIC_KEY', 'CONNECTWISE_PRIVATE_KEY', 'CONNECTWISE_CLIENT_ID'],
  config: (env): ConnectWiseConfig => ({
    provider: 'connectwise',
    url: env.CONNECTWISE_URL,
    companyId: env.CONNECTWISE_COMPANY_ID,
    publicKey: env.CONNECTWISE_PUBLIC_KEY,
    privateKey: env.CONNECTWISE_PRIVATE_KEY,
    clientId: env.CONNECTWISE_CLIENT_ID,
  }),
  create: (config, { clock, timeoutMs, retries, backoffMs }) => createConnectWiseAdapter(config, { clock, timeoutMs, retries, backoffMs }),
});
