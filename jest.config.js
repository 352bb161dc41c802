/** Two projects: `unit` (pure logic, no servers) and `integration` (real Temporal dev server, real Firestore
 * emulator, sandbox platforms over real HTTP, all started once per run by test/setup/global-setup.ts). */
const transform = { '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { target: 'es2023' } }] };

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/src/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/setup/per-file.ts'],
      testTimeout: 60000,
    },
  ],
};
