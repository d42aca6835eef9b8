/**
 * The import direction (docs/design.md: Layers), checked by `npm run lint` with dependency-cruiser.
 *
 *   functions/  ->  features (lib/)  ->  shared infrastructure (lib/)  ->  schemas/
 *
 * - schemas/: the event contracts, topic names included. Imports nothing of ours.
 * - Shared infrastructure: lib/config, lib/kafka, lib/msk, lib/outbox, lib/database. Imports schemas/
 *   and each other, with no cycle between files (no order among them is checked: lib/config reads
 *   lib/kafka's types, and lib/kafka's test support connects through lib/config, as production does).
 * - Features, in tiers; a feature imports the tiers below its own, never one above nor a sibling:
 *     1. lib/projection                        the runner every projector runs on
 *     2. lib/ledger, lib/saga                  rules, projector and SQL of one business concept
 *     3. lib/dead-letter, lib/rebuild          drive the projectors: re-application, rebuild from the log
 *     4. lib/api, lib/deploy, lib/migration    the HTTP API, the deployment and its migration step
 * - functions/: one thin handler per Lambda; nothing in lib/ or schemas/ imports it.
 * - local/: the local stack, offline emulator, simulation and tools; it may import anything, and only
 *   tests, test support, benchmarks and operator CLIs (lib/<feature>/cli.ts) import it.
 *
 * Test support (testing/, fixtures/) and benchmarks (bench/) keep the same direction as the code
 * beside them: a helper that needs a handler is handed it. Tests themselves (*.test.ts) may import
 * what they drive, handlers included.
 */

const TEST = '\\.test\\.ts$';
const INFRASTRUCTURE = '^lib/(config|kafka|msk|outbox|database)/';
const FEATURE = '^lib/(projection|ledger|saga|dead-letter|rebuild|api|deploy|migration)/';
const TIER = {
  1: '^lib/projection/',
  2: '^lib/(ledger|saga)/',
  3: '^lib/(dead-letter|rebuild)/',
  4: '^lib/(api|deploy|migration)/',
};
const above = (tier) =>
  Object.entries(TIER)
    .filter(([other]) => Number(other) > tier)
    .map(([, path]) => path);

module.exports = {
  forbidden: [
    {
      name: 'schemas-import-nothing-of-ours',
      comment: 'schemas/ is the bottom layer: the contracts import no lib/, functions/ or local/ code.',
      severity: 'error',
      from: { path: '^schemas/', pathNot: TEST },
      to: { path: '^(lib|functions|local)/' },
    },
    {
      name: 'infrastructure-imports-down-only',
      comment: 'Shared infrastructure imports schemas/ and other infrastructure, never a feature.',
      severity: 'error',
      from: { path: INFRASTRUCTURE, pathNot: TEST },
      to: { path: [FEATURE, '^functions/'] },
    },
    ...Object.keys(TIER)
      .filter((tier) => above(Number(tier)).length > 0)
      .map((tier) => ({
        name: `feature-tier-${tier}-imports-lower-tiers-only`,
        comment: `A feature of tier ${tier} imports infrastructure and features of lower tiers (tiers in .dependency-cruiser.js).`,
        severity: 'error',
        from: { path: TIER[tier], pathNot: TEST },
        to: { path: above(Number(tier)) },
      })),
    ...Object.keys(TIER)
      .filter((tier) => TIER[tier].includes('|'))
      .map((tier) => ({
        name: `feature-tier-${tier}-siblings-stay-apart`,
        comment: `Two features of tier ${tier} do not import each other.`,
        severity: 'error',
        from: { path: TIER[tier], pathNot: TEST },
        to: { path: TIER[tier], pathNot: '^lib/$1/' },
      })),
    {
      name: 'nothing-imports-functions',
      comment:
        'functions/ is the top layer: lib/ and schemas/ code (test support and benchmarks too) never imports a handler.',
      severity: 'error',
      from: { path: '^(lib|schemas)/', pathNot: TEST },
      to: { path: '^functions/' },
    },
    {
      name: 'only-tools-import-local',
      comment: 'local/ is the local stack and its tools: production code does not import it.',
      severity: 'error',
      from: {
        path: '^(lib|schemas|functions)/',
        pathNot: [TEST, '/(testing|fixtures|bench)/', '^lib/[^/]+/cli\\.ts$'],
      },
      to: { path: '^local/' },
    },
    {
      name: 'every-lib-folder-has-a-layer',
      comment:
        'A new lib/ folder is placed in a layer here (INFRASTRUCTURE or a TIER) before it imports anything.',
      severity: 'error',
      from: { path: '^lib/', pathNot: [INFRASTRUCTURE, FEATURE] },
      to: {},
    },
    {
      name: 'no-circular',
      comment: 'No import cycle between files.',
      severity: 'error',
      from: { pathNot: TEST },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^node_modules', '^dist', '^\\.stack', '^\\.serverless', '^\\.esbuild', '^coverage'] },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
