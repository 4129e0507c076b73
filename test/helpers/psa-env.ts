// The environment that points Portico at a vendor fake: the variables of the README's PSA table.
export const connectWiseEnv = (url: string, c: { companyId: string; publicKey: string; privateKey: string; clientId: string }) => ({
  PSA_PROVIDER: 'connectwise',
  CONNECTWISE_URL: url,
  CONNECTWISE_COMPANY_ID: c.companyId,
  CONNECTWISE_PUBLIC_KEY: c.publicKey,
  CONNECTWISE_PRIVATE_KEY: c.privateKey,
  CONNECTWISE_CLIENT_ID: c.clientId,
});

export const autotaskEnv = (url: string, c: { username: string; secret: string; integrationCode: string }) => ({
  PSA_PROVIDER: 'autotask',
  AUTOTASK_URL: url,
  AUTOTASK_USERNAME: c.username,
  AUTOTASK_SECRET: c.secret,
  AUTOTASK_INTEGRATION_CODE: c.integrationCode,
});

export const haloPsaEnv = (url: string, c: { clientId: string; clientSecret: string }) => ({
  PSA_PROVIDER: 'halopsa',
  HALOPSA_URL: url,
  HALOPSA_CLIENT_ID: c.clientId,
  HALOPSA_CLIENT_SECRET: c.clientSecret,
});
