import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

// What a production install (`npm ci --omit=dev`) holds must be enough: the install's own scripts
// run with it, and the function bundles take nothing from a package only development installs.

const repoRoot = join(__dirname, '..', '..');

interface Manifest {
  readonly scripts: Record<string, string>;
  readonly dependencies: Record<string, string>;
  readonly devDependencies: Record<string, string>;
}
interface Lock {
  readonly packages: Record<string, { readonly dev?: boolean }>;
}

const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Manifest;
const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as Lock;

/** The package a bundled file comes from: `node_modules/@scope/name/…` as `node_modules/@scope/name`. */
const packageOf = (input: string): string | undefined =>
  /^(?:.*\/)?(node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];

describe('the production dependencies', () => {
  it('include the commands the install scripts run', () => {
    // Prepare
    const installScripts = ['preinstall', 'install', 'postinstall', 'prepare']
      .map((name) => manifest.scripts[name])
      .filter((script): script is string => script !== undefined);

    // Act: the first word of each command of each script
    const commands = installScripts.flatMap((script) =>
      script.split(/&&|\|\||;/).map((command) => command.trim().split(/\s+/)[0] ?? ''),
    );

    // Assess
    expect(commands).toContain('patch-package');
    for (const command of commands) expect(Object.keys(manifest.dependencies)).toContain(command);
  });

  it('hold every package the function bundles are built from', async () => {
    // Prepare: the entry points serverless.yml names (one file per function)
    const entryPoints = readdirSync(join(repoRoot, 'functions'))
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
      .map((name) => join(repoRoot, 'functions', name));

    // Act: what esbuild bundles, as serverless.yml's esbuild settings say (the AWS SDK is Lambda's)
    const { metafile } = await build({
      entryPoints,
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      outdir: join(repoRoot, '.esbuild', 'dependencies-test'),
      external: ['pg-native', '@aws-sdk/*'],
      logLevel: 'silent',
    });
    const bundled = new Set(
      Object.keys(metafile.inputs)
        .map(packageOf)
        .filter((name): name is string => name !== undefined),
    );

    // Assess
    expect(entryPoints.length).toBeGreaterThanOrEqual(7);
    expect(bundled).toContain('node_modules/kafkajs');
    expect(bundled).toContain('node_modules/node-pg-migrate');
    const devOnly = [...bundled].filter((name) => lock.packages[name]?.dev === true);
    expect(devOnly).toEqual([]);
    // Bundling seven functions takes seconds on a busy machine.
  }, 60_000);

  it('leave out what only tests and the local stack use', () => {
    for (const name of ['@aws-lambda-powertools/parser', 'yaml']) {
      expect(manifest.dependencies).not.toHaveProperty([name]);
      expect(manifest.devDependencies).toHaveProperty([name]);
    }
  });
});
