/** jest runs the TypeScript sources as ES modules (jose 6 and oidc-provider 9 are ESM-only). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, isolatedModules: true }] },
  // Browser tests need Chromium: they run with npm run test:browser.
  testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/test/integration/**/*.test.ts'],
  // Generous: a test file's first open of the embedded database and its migrations can take many seconds
  // on a loaded 2-core machine; a timeout only ever decides a test that fails anyway.
  testTimeout: 60000,
  maxWorkers: 2,
};
