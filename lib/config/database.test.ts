import { Readable } from 'node:stream';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DatabaseConfigError, DatabaseSecretError, resolveDatabaseUrl } from './index';

// The real Secrets Manager client runs with a request handler that records each request and answers
// with a recorded response, so the SDK's own serialization is exercised.

const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:billing/database-AbCdEf';
const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

function secretsClientAnswering(status: number, body: unknown, headers: Record<string, string> = {}) {
  const requests: { target: string | undefined; body: string }[] = [];
  const requestHandler = {
    async handle(request: { headers: Record<string, string>; body?: unknown }) {
      requests.push({
        target: request.headers['x-amz-target'],
        body:
          typeof request.body === 'string'
            ? request.body
            : request.body instanceof Uint8Array
              ? new TextDecoder().decode(request.body)
              : '',
      });
      return {
        response: {
          statusCode: status,
          reason: undefined,
          headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'a1b2', ...headers },
          body: Readable.from([Buffer.from(JSON.stringify(body))]),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
  return { requests, client: new SecretsManagerClient({ region: 'eu-west-1', credentials, requestHandler }) };
}

const secretResponse = (secretString: string) => ({
  ARN: secretArn,
  Name: 'billing/database',
  SecretString: secretString,
  VersionId: 'EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE',
  VersionStages: ['AWSCURRENT'],
  CreatedDate: 1764235800.5,
});

const rdsSecret = {
  engine: 'postgres',
  host: 'billing.cluster-c1a2b3.eu-west-1.rds.amazonaws.com',
  port: 5432,
  username: 'billing_app',
  password: 'p@ss/w:rd%1',
  dbname: 'billing',
};

describe('resolveDatabaseUrl', () => {
  it('returns DATABASE_URL as is, without any AWS call (local runs)', async () => {
    // Prepare
    const { requests, client } = secretsClientAnswering(500, {});

    // Act
    const url = await resolveDatabaseUrl(
      { DATABASE_URL: 'postgres://billing:billing@127.0.0.1:55432/billing' },
      { secretsClient: client },
    );

    // Assess
    expect(url).toBe('postgres://billing:billing@127.0.0.1:55432/billing');
    expect(requests).toHaveLength(0);
  });

  it('reads RDS-style JSON credentials from the secret and encodes them into a TLS URL', async () => {
    // Prepare
    const { requests, client } = secretsClientAnswering(200, secretResponse(JSON.stringify(rdsSecret)));

    // Act
    const url = await resolveDatabaseUrl({ DATABASE_SECRET_ARN: secretArn }, { secretsClient: client });

    // Assess
    expect(requests).toHaveLength(1);
    expect(requests[0]?.target).toBe('secretsmanager.GetSecretValue');
    expect(JSON.parse(requests[0]?.body ?? '{}')).toEqual({ SecretId: secretArn });
    expect(url).toBe(
      'postgres://billing_app:p%40ss%2Fw%3Ard%251@billing.cluster-c1a2b3.eu-west-1.rds.amazonaws.com:5432/billing?sslmode=verify-full',
    );
    const parsed = new URL(url);
    expect(decodeURIComponent(parsed.password)).toBe(rdsSecret.password);
  });

  it('accepts a secret that holds a postgres:// URL', async () => {
    // Prepare
    const stored = 'postgresql://app:secret@db.internal:6432/billing?sslmode=require';
    const { client } = secretsClientAnswering(200, secretResponse(stored));

    // Act
    const url = await resolveDatabaseUrl({ DATABASE_SECRET_ARN: secretArn }, { secretsClient: client });

    // Assess
    expect(url).toBe(stored);
  });

  it.each([
    ['neither is set', {}, 'DATABASE_URL', /missing: set DATABASE_URL .* or DATABASE_SECRET_ARN/],
    [
      'both are set',
      { DATABASE_URL: 'postgres://a:b@h/d', DATABASE_SECRET_ARN: secretArn },
      'DATABASE_URL',
      /not both/,
    ],
    ['the URL is not postgres', { DATABASE_URL: 'mysql://a:b@h/d' }, 'DATABASE_URL', /postgres:\/\//],
    [
      'the ARN is not a secret',
      { DATABASE_SECRET_ARN: 'arn:aws:s3:::bucket' },
      'DATABASE_SECRET_ARN',
      /secret ARN/,
    ],
  ])('names the wrong variable when %s', async (_case, env, variable, message) => {
    // Act
    const error = await resolveDatabaseUrl(env).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DatabaseConfigError);
    expect((error as DatabaseConfigError).variables).toContain(variable);
    expect((error as Error).message).toMatch(message);
  });

  it('does not quote a malformed DATABASE_URL, which may carry a password', async () => {
    // Act
    const error = await resolveDatabaseUrl({ DATABASE_URL: 'mysql://app:hunter2@db/billing' }).catch(
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(DatabaseConfigError);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('names the missing fields of a JSON secret without quoting it', async () => {
    // Prepare
    const { client } = secretsClientAnswering(
      200,
      secretResponse(JSON.stringify({ username: 'billing_app', password: 'hunter2' })),
    );

    // Act
    const error = await resolveDatabaseUrl(
      { DATABASE_SECRET_ARN: secretArn },
      { secretsClient: client },
    ).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DatabaseSecretError);
    expect((error as Error).message).toMatch(/missing or invalid host, dbname/);
    expect(
      JSON.stringify({ message: (error as Error).message, cause: String((error as Error).cause) }),
    ).not.toContain('hunter2');
  });

  it('refuses a secret that is neither a URL nor JSON, without quoting it', async () => {
    // Prepare
    const { client } = secretsClientAnswering(200, secretResponse('hunter2'));

    // Act
    const error = await resolveDatabaseUrl(
      { DATABASE_SECRET_ARN: secretArn },
      { secretsClient: client },
    ).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DatabaseSecretError);
    expect(String((error as Error).cause)).not.toContain('hunter2');
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('wraps an access denial, keeping the service error as cause', async () => {
    // Prepare
    const { client } = secretsClientAnswering(
      400,
      {
        __type: 'AccessDeniedException',
        message: 'not authorized to perform: secretsmanager:GetSecretValue',
      },
      { 'x-amzn-errortype': 'AccessDeniedException' },
    );

    // Act
    const error = await resolveDatabaseUrl(
      { DATABASE_SECRET_ARN: secretArn },
      { secretsClient: client },
    ).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DatabaseSecretError);
    expect((error as Error).message).toBe(`Cannot read the database secret ${secretArn}`);
    expect((error as Error).cause).toMatchObject({ name: 'AccessDeniedException' });
  });
});
