import { Readable } from 'node:stream';
import { KafkaClient } from '@aws-sdk/client-kafka';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BootstrapBrokersError, KafkaSecretError, loadKafkaSettings, resolveKafkaConnection } from './index';

// The real SDK clients run with a request handler that records each HTTP request and answers with
// a recorded response, so the SDK's own serialization and deserialization are exercised.

interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

function recordingHandler(status: number, body: unknown, headers: Record<string, string> = {}) {
  const requests: RecordedRequest[] = [];
  const requestHandler = {
    async handle(request: {
      method: string;
      path: string;
      headers: Record<string, string>;
      body?: unknown;
    }): Promise<{ response: unknown }> {
      requests.push({
        method: request.method,
        path: request.path,
        headers: request.headers,
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
          headers: { 'content-type': 'application/json', 'x-amzn-requestid': 'f3c1b0a2', ...headers },
          body: Readable.from([Buffer.from(JSON.stringify(body))]),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
  return { requests, requestHandler };
}

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const clusterArn =
  'arn:aws:kafka:eu-west-1:123456789012:cluster/billing-msk/7d3b2f4e-1a2b-4c3d-9e8f-0123456789ab-3';
const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_billing-AbCdEf';

/** A recorded GetBootstrapBrokers response of a cluster with TLS, SCRAM and IAM enabled. */
const bootstrapResponse = {
  bootstrapBrokerStringTls:
    'b-1.billingmsk.a1b2c3.c3.kafka.eu-west-1.amazonaws.com:9094,b-2.billingmsk.a1b2c3.c3.kafka.eu-west-1.amazonaws.com:9094',
  bootstrapBrokerStringSaslScram:
    'b-1.billingmsk.a1b2c3.c3.kafka.eu-west-1.amazonaws.com:9096,b-2.billingmsk.a1b2c3.c3.kafka.eu-west-1.amazonaws.com:9096',
  bootstrapBrokerStringSaslIam:
    'b-1.billingmsk.a1b2c3.c3.kafka.eu-west-1.amazonaws.com:9098,b-2.billingmsk.a1b2c3.c3.kafka.eu-west-1.amazonaws.com:9098',
};

const kafkaClientAnswering = (status: number, body: unknown, headers?: Record<string, string>) => {
  const { requests, requestHandler } = recordingHandler(status, body, headers);
  return { requests, client: new KafkaClient({ region: 'eu-west-1', credentials, requestHandler }) };
};

describe('resolveKafkaConnection', () => {
  it('uses the plaintext brokers of KAFKA_BROKERS without any AWS call', async () => {
    // Prepare
    const settings = loadKafkaSettings({ KAFKA_BROKERS: 'localhost:9092,localhost:9093' });

    // Act
    const connection = await resolveKafkaConnection(settings);

    // Assess
    expect(connection).toEqual({
      clientId: 'billing',
      brokers: ['localhost:9092', 'localhost:9093'],
      tls: false,
      authentication: { mechanism: 'none' },
    });
  });

  it('looks up the IAM bootstrap brokers of the cluster and signs tokens for its region', async () => {
    // Prepare
    const { requests, client } = kafkaClientAnswering(200, bootstrapResponse);
    const settings = loadKafkaSettings({ MSK_CLUSTER_ARN: clusterArn, KAFKA_AUTH: 'iam' });
    const regions: string[] = [];
    const iamTokenProvider = async (region: string) => {
      regions.push(region);
      return { token: 'signed-token' };
    };

    // Act
    const connection = await resolveKafkaConnection(settings, { kafkaClient: client, iamTokenProvider });

    // Assess
    expect(requests).toHaveLength(1);
    expect(requests[0]?.method).toBe('GET');
    expect(requests[0]?.path).toBe(`/v1/clusters/${encodeURIComponent(clusterArn)}/bootstrap-brokers`);
    expect(requests[0]?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 .*eu-west-1\/kafka\/aws4_request/);
    expect(connection.brokers).toEqual(bootstrapResponse.bootstrapBrokerStringSaslIam.split(','));
    expect(connection.tls).toBe(true);
    expect(connection.authentication.mechanism).toBe('oauthbearer');
    if (connection.authentication.mechanism !== 'oauthbearer') throw new Error('unreachable');
    await expect(connection.authentication.tokenProvider()).resolves.toEqual({ value: 'signed-token' });
    expect(regions).toEqual(['eu-west-1']);
  });

  it('picks the TLS bootstrap string when KAFKA_AUTH=none', async () => {
    // Prepare
    const { client } = kafkaClientAnswering(200, bootstrapResponse);
    const settings = loadKafkaSettings({ MSK_CLUSTER_ARN: clusterArn, KAFKA_AUTH: 'none' });

    // Act
    const connection = await resolveKafkaConnection(settings, { kafkaClient: client });

    // Assess
    expect(connection.brokers).toEqual(bootstrapResponse.bootstrapBrokerStringTls.split(','));
    expect(connection.authentication).toEqual({ mechanism: 'none' });
  });

  it('reads SCRAM credentials from Secrets Manager and uses the SCRAM bootstrap string', async () => {
    // Prepare
    const kafka = kafkaClientAnswering(200, bootstrapResponse);
    const secrets = recordingHandler(200, {
      ARN: secretArn,
      Name: 'AmazonMSK_billing',
      SecretString: JSON.stringify({ username: 'billing-producer', password: 's3cr3t' }),
      VersionId: 'EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE',
      VersionStages: ['AWSCURRENT'],
      CreatedDate: 1764235800.5,
    });
    const secretsClient = new SecretsManagerClient({
      region: 'eu-west-1',
      credentials,
      requestHandler: secrets.requestHandler,
    });
    const settings = loadKafkaSettings({
      MSK_CLUSTER_ARN: clusterArn,
      KAFKA_AUTH: 'scram',
      KAFKA_SCRAM_SECRET_ARN: secretArn,
    });

    // Act
    const connection = await resolveKafkaConnection(settings, { kafkaClient: kafka.client, secretsClient });

    // Assess
    expect(secrets.requests[0]?.headers['x-amz-target']).toBe('secretsmanager.GetSecretValue');
    expect(JSON.parse(secrets.requests[0]?.body ?? '{}')).toEqual({ SecretId: secretArn });
    expect(connection.brokers).toEqual(bootstrapResponse.bootstrapBrokerStringSaslScram.split(','));
    expect(connection.authentication).toEqual({
      mechanism: 'scram-sha-512',
      username: 'billing-producer',
      password: 's3cr3t',
    });
  });

  it('fails with BootstrapBrokersError when the cluster lacks the auth mode', async () => {
    // Prepare
    const { client } = kafkaClientAnswering(200, {
      bootstrapBrokerStringTls: bootstrapResponse.bootstrapBrokerStringTls,
    });
    const settings = loadKafkaSettings({ MSK_CLUSTER_ARN: clusterArn, KAFKA_AUTH: 'iam' });

    // Act
    const act = resolveKafkaConnection(settings, {
      kafkaClient: client,
      iamTokenProvider: async () => ({ token: 't' }),
    });

    // Assess
    await expect(act).rejects.toThrow(BootstrapBrokersError);
    await expect(act).rejects.toThrow(/has no BootstrapBrokerStringSaslIam/);
  });

  it('wraps the service error of an unknown cluster, keeping the SDK exception as cause', async () => {
    // Prepare
    const { client } = kafkaClientAnswering(
      404,
      { message: 'The requested resource was not found.', invalidParameter: 'ClusterArn' },
      { 'x-amzn-errortype': 'NotFoundException' },
    );
    const settings = loadKafkaSettings({ MSK_CLUSTER_ARN: clusterArn, KAFKA_AUTH: 'none' });

    // Act
    const error = await resolveKafkaConnection(settings, { kafkaClient: client }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(BootstrapBrokersError);
    expect((error as Error).cause).toMatchObject({ name: 'NotFoundException' });
  });

  it('refuses a SCRAM secret that is not MSK JSON, without quoting it', async () => {
    // Prepare
    const kafka = kafkaClientAnswering(200, bootstrapResponse);
    const secrets = recordingHandler(200, {
      ARN: secretArn,
      Name: 'AmazonMSK_billing',
      SecretString: 'hunter2',
    });
    const secretsClient = new SecretsManagerClient({
      region: 'eu-west-1',
      credentials,
      requestHandler: secrets.requestHandler,
    });
    const settings = loadKafkaSettings({
      MSK_CLUSTER_ARN: clusterArn,
      KAFKA_AUTH: 'scram',
      KAFKA_SCRAM_SECRET_ARN: secretArn,
    });

    // Act
    const error = await resolveKafkaConnection(settings, { kafkaClient: kafka.client, secretsClient }).catch(
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(KafkaSecretError);
    expect(
      JSON.stringify({ message: (error as Error).message, cause: String((error as Error).cause) }),
    ).not.toContain('hunter2');
  });
});

describe('resolveKafkaConnection with local files (the SASL_SSL listener)', () => {
  const { mkdtempSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
  const { join } = require('node:path') as typeof import('node:path');
  const { tmpdir } = require('node:os') as typeof import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'kafka-files-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const settingsWith = (credentials: string, ca: string) =>
    loadKafkaSettings({
      KAFKA_BROKERS: 'localhost:9192',
      KAFKA_TLS: 'true',
      KAFKA_AUTH: 'scram',
      KAFKA_SCRAM_CREDENTIALS_FILE: credentials,
      KAFKA_TLS_CA_FILE: ca,
    });

  it('reads the credentials and the CA at each resolution', async () => {
    // Prepare
    const credentials = file('user.json', JSON.stringify({ username: 'billing-api', password: 'one' }));
    const settings = settingsWith(credentials, file('ca.pem', pem));

    // Act
    const first = await resolveKafkaConnection(settings);
    file('user.json', JSON.stringify({ username: 'billing-api', password: 'two' }));
    const second = await resolveKafkaConnection(settings);

    // Assess
    expect(first).toMatchObject({
      tls: true,
      tlsCa: pem,
      authentication: { mechanism: 'scram-sha-512', username: 'billing-api', password: 'one' },
    });
    expect(second.authentication).toMatchObject({ password: 'two' });
  });

  it.each([
    [
      'a missing credentials file',
      () => join(dir, 'absent.json'),
      () => file('ca2.pem', pem),
      /KAFKA_SCRAM_CREDENTIALS_FILE: cannot read/,
    ],
    [
      'a credentials file that is not JSON',
      () => file('bad.json', 'password=x'),
      () => file('ca3.pem', pem),
      /KAFKA_SCRAM_CREDENTIALS_FILE: .* is not JSON/,
    ],
    [
      'credentials without a password',
      () => file('nopw.json', '{"username":"u"}'),
      () => file('ca4.pem', pem),
      /lacks a non-empty password/,
    ],
    [
      'a CA file with no certificate',
      () => file('ok.json', '{"username":"u","password":"p"}'),
      () => file('ca5.pem', 'nothing'),
      /KAFKA_TLS_CA_FILE: .* holds no PEM certificate/,
    ],
  ])('refuses %s, naming the setting', async (_case, credentials, ca, message) => {
    // Act
    const resolution = resolveKafkaConnection(settingsWith(credentials(), ca()));

    // Assess
    await expect(resolution).rejects.toThrow(message);
  });

  it('never quotes the password of a file that is not JSON', async () => {
    // Prepare
    const settings = settingsWith(
      file('leak.json', '{"username":"u","password":"hunter2"'),
      file('ca6.pem', pem),
    );

    // Act
    const error = await resolveKafkaConnection(settings).catch((caught: Error) => caught);

    // Assess
    expect(String((error as Error).message)).not.toContain('hunter2');
    expect(JSON.stringify(error)).not.toContain('hunter2');
  });
});
