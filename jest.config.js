/** jest runs the TypeScript sources as ES modules (jose 6 and oidc-provider 9 are ESM-only). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, isolatedModules: true }] },
  // Browser tests need Chromium: they run with npm run test:browser.
  testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/test/integration/**/*.test.ts'],
  testTimeout: 30000,
  maxWorkers: 2,
};
