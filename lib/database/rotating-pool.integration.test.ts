import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { closeHandlerResources } from '../projection';
import { createTestDatabase, type TestDatabase } from '../projection/testing/database';
import { lambdaContext } from '../projection/testing/msk-harness';
import { databasePool } from '.';

/*
 * Password rotation under a warm function: the dead-letter retrier's handler (its pool lives across
 * invocations) reads its database secret through the real Secrets Manager client, from a local
 * stand-in of the Secrets Manager API; between two invocations a dedicated role's password is
 * changed on the real PostgreSQL and its connections are closed, as a rotation does.
 */

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:billing-test/database-AbCdEf';

describe('the database pool of a warm function when the password is rotated', () => {
  let db: TestDatabase;
  let server: Server;
  const role = `billing_rotation_${randomUUID().replace(/-/g, '').slice(0, 8)}`;
  let secret: string;
  let secretReads = 0;
  const savedEnv = { ...process.env };
  let retrier: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

  /** Closes the role's connections, as a rotation may, and waits until the warm pool has dropped them. */
  const closeRoleConnections = async () => {
    await db.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [role]);
    const pool = await databasePool(process.env, new Logger({ logLevel: 'SILENT' }));
    while (pool.totalCount > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  };

  const roleUrl = (password: string) => {
    const url = new URL(db.url);
    url.username = role;
    url.password = password;
    return url.toString();
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    const first = randomUUID();
    await db.pool.query(`CREATE ROLE ${role} LOGIN PASSWORD '${first}'`);
    await db.pool.query(`GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role}`);
    await db.pool.query(`GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
    secret = roleUrl(first);
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        secretReads += 1;
        response.setHeader('content-type', 'application/x-amz-json-1.1');
        response.end(
          JSON.stringify({ ARN: SECRET_ARN, Name: 'billing-test/database', SecretString: secret }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    delete process.env.DATABASE_URL;
    process.env.DATABASE_SECRET_ARN = SECRET_ARN;
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.AWS_ACCESS_KEY_ID = 'AKIAEXAMPLEEXAMPLE00';
    process.env.AWS_SECRET_ACCESS_KEY = 'example-secret-key-for-a-local-endpoint';
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    retrier = (await import('../../functions/dead-letter-retrier')).handler as unknown as typeof retrier;
  });

  afterAll(async () => {
    await closeHandlerResources();
    process.env = savedEnv;
    await new Promise((resolve) => server?.close(resolve));
    await db?.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [role]);
    await db?.drop();
    const admin = (await createTestDatabase('billing_it_cleanup')).pool;
    await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    await admin.end();
  });

  it('reads the secret again when PostgreSQL refuses the old password, and the next invocation succeeds', async () => {
    // Prepare: a warm function, its pool connected with the first password
    await expect(retrier({}, lambdaContext('dead-letter-retrier'))).resolves.toMatchObject({ attempted: 0 });
    const readsBefore = secretReads;
    const second = randomUUID();
    await db.pool.query(`ALTER ROLE ${role} PASSWORD '${second}'`);
    secret = roleUrl(second);
    await closeRoleConnections();

    // Act
    const report = await retrier({}, lambdaContext('dead-letter-retrier'));

    // Assess
    expect(report).toMatchObject({ attempted: 0 });
    expect(secretReads - readsBefore).toBe(1);
  });

  it('fails with the refusal when the secret still holds a wrong password, reading it once per failure', async () => {
    // Prepare
    await db.pool.query(`ALTER ROLE ${role} PASSWORD '${randomUUID()}'`);
    await closeRoleConnections();
    const readsBefore = secretReads;

    // Act
    const outcome = await retrier({}, lambdaContext('dead-letter-retrier')).then(
      () => 'succeeded',
      (error: { code?: string }) => error.code,
    );

    // Assess
    expect(outcome).toBe('28P01');
    expect(secretReads - readsBefore).toBe(1);
  });
});
