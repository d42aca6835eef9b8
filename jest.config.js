/**
 * Two tiers, by file name:
 *   *.test.ts              unit tests: need nothing running
 *   *.integration.test.ts  integration tests: need the local stack (npm run stack:up)
 * Types are checked by `npm run typecheck`; ts-jest only transpiles (isolatedModules).
 * @middy/core 6 is ESM-only and jest runs CommonJS here: its files are transpiled to CommonJS by
 * ts-jest (allowJs), the one package under node_modules that jest transforms.
 * The billing.* topics must end a run as they started it (docs/testing.md: Topics): the integration
 * project's globalSetup records their end offsets, and jest.sequencer.js runs the check last.
 */
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  '/node_modules/@middy/.+\\.js$': [
    'ts-jest',
    { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022', isolatedModules: true } },
  ],
};
const common = {
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.stack/'],
};

module.exports = {
  testSequencer: '<rootDir>/jest.sequencer.js',
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/**/*.test.ts'],
      testPathIgnorePatterns: [...common.testPathIgnorePatterns, '\\.integration\\.test\\.ts$'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/**/*.integration.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/jest.integration-setup.js'],
      globalSetup: '<rootDir>/local/suite/record-billing-topics.ts',
    },
  ],
};
