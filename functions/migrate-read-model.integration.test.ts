import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { build } from 'esbuild';
import { Client } from 'pg';
import { withDatabase } from '../lib/database';
import { paths, repoRoot } from '../local/stack/paths';
import { localDatabaseUrl } from '../local/stack/topology';

/*
 * The migration function as Lambda runs it: bundled by esbuild with the options of serverless.yml
 * (the AWS SDK left to the runtime), invoked with CloudFormation's custom resource events, against
 * a fresh database on the local PostgreSQL, answering a response URL served here.
 */

type Handler = (event: CloudFormationCustomResourceEvent, context: Context) => Promise<unknown>;
interface Answer {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: {
    Status: string;
    Reason: string;
    PhysicalResourceId: string;
    RequestId: string;
    Data?: Record<string, number>;
  };
}

const serverUrl = process.env.DATABASE_URL ?? localDatabaseUrl;
const context = { getRemainingTimeInMillis: () => 120_000 } as unknown as Context;

describe('migrateReadModel function (CloudFormation custom resource)', () => {
  const database = `billing_migrate_${Date.now().toString(36)}`;
  const databaseUrl = withDatabase(serverUrl, database);
  const buildDir = mkdtempSync(join(repoRoot, 'node_modules', '.cache-migrate-'));
  const answers: Answer[] = [];
  let server: Server;
  let responseUrl: string;
  let handler: Handler;
  const savedEnv = { ...process.env };

  const event = (requestType: 'Create' | 'Update' | 'Delete', requestId: string) =>
    ({
      RequestType: requestType,
      ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:billing-test-migrateReadModel',
      ResponseURL: `${responseUrl}?X-Amz-Signature=${requestId}`,
      StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/billing-test/0a1b2c3d',
      RequestId: requestId,
      LogicalResourceId: 'ReadModelMigration',
      ResourceType: 'Custom::ReadModelMigration',
      ResourceProperties: { ServiceToken: 'token', Migrations: 'hash' },
      ...(requestType === 'Create'
        ? {}
        : { PhysicalResourceId: 'billing-read-model-migrations', OldResourceProperties: {} }),
    }) as unknown as CloudFormationCustomResourceEvent;

  const appliedMigrations = async (): Promise<string[]> => {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      return (await client.query<{ name: string }>('SELECT name FROM pgmigrations ORDER BY id')).rows.map(
        (row) => row.name,
      );
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    const admin = new Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        answers.push({ headers: request.headers, body: JSON.parse(body) });
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cloudformation-response`;
    await build({
      entryPoints: [join(repoRoot, 'functions', 'migrate-read-model.ts')],
      outfile: join(buildDir, 'migrate-read-model.js'),
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      external: ['pg-native', '@aws-sdk/*'],
      logLevel: 'silent',
    });
    process.env.DATABASE_URL = databaseUrl;
    process.env.MIGRATIONS_DIR = paths.migrations;
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    handler = (require(join(buildDir, 'migrate-read-model.js')) as { handler: Handler }).handler;
  });

  afterAll(async () => {
    process.env = savedEnv;
    await new Promise((resolve) => server?.close(resolve));
    rmSync(buildDir, { recursive: true, force: true });
    const admin = new Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  it('applies every migration on Create, then nothing on Update, answering SUCCESS each time', async () => {
    // Prepare
    const migrations = readdirSync(paths.migrations).map((file) => file.replace(/\.sql$/, ''));

    // Act
    await handler(event('Create', 'create-1'), context);
    const afterFirst = await appliedMigrations();
    await handler(event('Update', 'update-1'), context);
    const afterSecond = await appliedMigrations();

    // Assess
    expect(afterFirst).toEqual(migrations.sort());
    expect(afterSecond).toEqual(afterFirst);
    const [created, updated] = answers.slice(-2);
    expect(created?.body).toMatchObject({
      Status: 'SUCCESS',
      RequestId: 'create-1',
      PhysicalResourceId: 'billing-read-model-migrations',
      Data: { Applied: migrations.length },
    });
    expect(updated?.body).toMatchObject({
      Status: 'SUCCESS',
      RequestId: 'update-1',
      Reason: 'Up to date',
      Data: { Applied: 0 },
    });
    // The pre-signed S3 URL is signed for an empty content type.
    expect(created?.headers['content-type']).toBe('');
  });

  it('answers FAILED, naming the migration, when one fails, and records nothing of it', async () => {
    // Prepare: the project's migrations plus one that cannot apply
    const dir = mkdtempSync(join(buildDir, 'migrations-'));
    mkdirSync(dir, { recursive: true });
    for (const file of readdirSync(paths.migrations))
      copyFileSync(join(paths.migrations, file), join(dir, file));
    writeFileSync(
      join(dir, '9999999999999_broken.sql'),
      '-- Up Migration\nALTER TABLE no_such_table ADD COLUMN x integer;\n-- Down Migration\n',
    );
    process.env.MIGRATIONS_DIR = dir;

    // Act
    try {
      await handler(event('Update', 'update-broken'), context);
    } finally {
      process.env.MIGRATIONS_DIR = paths.migrations;
    }

    // Assess
    const answer = answers.at(-1);
    expect(answer?.body).toMatchObject({ Status: 'FAILED', RequestId: 'update-broken' });
    expect(answer?.body.Reason).toMatch(
      /^Migrations failed: migration 9999999999999_broken failed: relation "no_such_table" does not exist/,
    );
    expect(await appliedMigrations()).not.toContain('9999999999999_broken');
  });

  it('answers FAILED when the database cannot be reached, without quoting its password', async () => {
    // Prepare
    process.env.DATABASE_URL = withDatabase(serverUrl, `${database}_missing`);

    // Act
    try {
      await handler(event('Update', 'update-unreachable'), context);
    } finally {
      process.env.DATABASE_URL = databaseUrl;
    }

    // Assess
    const answer = answers.at(-1);
    expect(answer?.body).toMatchObject({ Status: 'FAILED', RequestId: 'update-unreachable' });
    expect(answer?.body.Reason).toMatch(/does not exist/);
    const password = new URL(serverUrl).password;
    if (password.length > 3) expect(answer?.body.Reason).not.toContain(`:${password}@`);
  });

  it('keeps the database on Delete and answers SUCCESS', async () => {
    // Act
    await handler(event('Delete', 'delete-1'), context);

    // Assess
    expect(answers.at(-1)?.body).toMatchObject({ Status: 'SUCCESS', RequestId: 'delete-1' });
    expect((await appliedMigrations()).length).toBeGreaterThan(0);
  });
});
