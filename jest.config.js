/** Two projects: `unit` (pure logic beside the code, no servers) and `integration` (test/: real Temporal dev
 * server, real Firestore emulator, sandbox platforms over real HTTP, all started once per run by
 * test/setup/global-setup.ts). */
const transform = { '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { target: 'es2023' } }] };

// `--selectProjects` is variadic: in `jest --selectProjects unit src/x.test.ts` jest would read the path as one
// more project name and run the whole project. Read such arguments as path filters instead.
const select = process.argv.indexOf('--selectProjects');
const pathArgs =
  select < 0 ? [] : process.argv.slice(select + 2).filter((a) => !a.startsWith('-') && /[/.]/.test(a));
const match = (root, fallback) => {
  const mine = pathArgs.filter((a) => a.replace(/^\.\//, '').startsWith(root));
  if (pathArgs.length === 0) return [fallback];
  return mine
    .map((a) => `<rootDir>/${a.replace(/^\.\//, '').replace(/\/$/, '')}`)
    .flatMap((a) => [a, `${a}*.test.ts`, `${a}/**/*.test.ts`]);
};

module.exports = {
  // Global on purpose: jest ignores testTimeout inside a project's config. Integration tests wait on real servers.
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: match('src', '<rootDir>/src/**/*.test.ts'),
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: match('test', '<rootDir>/test/**/*.test.ts'),
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/setup/per-file.ts'],
    },
  ],
};
