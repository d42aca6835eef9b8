import { KafkaConfigError, loadKafkaSettings } from './index';

const clusterArn =
  'arn:aws:kafka:eu-west-1:123456789012:cluster/billing-msk/7d3b2f4e-1a2b-4c3d-9e8f-0123456789ab-3';
const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_billing-AbCdEf';

/** The error loadKafkaSettings throws for an environment. */
function configErrorOf(env: NodeJS.ProcessEnv): KafkaConfigError {
  try {
    loadKafkaSettings(env);
  } catch (error) {
    if (error instanceof KafkaConfigError) return error;
    throw error;
  }
  throw new Error('expected a KafkaConfigError');
}

describe('loadKafkaSettings', () => {
  it('reads local plaintext brokers', () => {
    expect(loadKafkaSettings({ KAFKA_BROKERS: 'localhost:9092, localhost:9093,localhost:9094' })).toEqual({
      mode: 'brokers',
      clientId: 'billing',
      brokers: ['localhost:9092', 'localhost:9093', 'localhost:9094'],
      tls: false,
    });
  });

  it('reads local brokers behind the SASL_SSL listener, with a CA file and a credentials file', () => {
    expect(
      loadKafkaSettings({
        KAFKA_BROKERS: 'localhost:9192',
        KAFKA_TLS: 'true',
        KAFKA_TLS_CA_FILE: '/stack/ca.pem',
        KAFKA_AUTH: 'scram',
        KAFKA_SCRAM_CREDENTIALS_FILE: '/stack/billing-api.json',
      }),
    ).toEqual({
      mode: 'brokers',
      clientId: 'billing',
      brokers: ['localhost:9192'],
      tls: true,
      tlsCaFile: '/stack/ca.pem',
      scramCredentialsFile: '/stack/billing-api.json',
    });
  });

  it('reads an MSK cluster with IAM auth and takes the region from the ARN', () => {
    expect(
      loadKafkaSettings({ MSK_CLUSTER_ARN: clusterArn, KAFKA_AUTH: 'iam', KAFKA_CLIENT_ID: 'ledger' }),
    ).toEqual({
      mode: 'msk',
      clientId: 'ledger',
      clusterArn,
      region: 'eu-west-1',
      auth: 'iam',
    });
  });

  it.each([
    ['nothing set', {}, 'KAFKA_BROKERS', /missing: set KAFKA_BROKERS .* or MSK_CLUSTER_ARN/],
    ['a broker without port', { KAFKA_BROKERS: 'localhost' }, 'KAFKA_BROKERS', /host:port/],
    ['a port out of range', { KAFKA_BROKERS: 'localhost:99999' }, 'KAFKA_BROKERS', /1\.\.65535/],
    [
      'brokers and a cluster',
      { KAFKA_BROKERS: 'localhost:9092', MSK_CLUSTER_ARN: clusterArn, KAFKA_AUTH: 'iam' },
      'KAFKA_BROKERS',
      /not both/,
    ],
    [
      'a malformed ARN',
      { MSK_CLUSTER_ARN: 'arn:aws:s3:::bucket', KAFKA_AUTH: 'iam' },
      'MSK_CLUSTER_ARN',
      /MSK cluster ARN/,
    ],
    ['MSK without auth', { MSK_CLUSTER_ARN: clusterArn }, 'KAFKA_AUTH', /missing/],
    [
      'an unknown auth',
      { MSK_CLUSTER_ARN: clusterArn, KAFKA_AUTH: 'kerberos' },
      'KAFKA_AUTH',
      /none, scram or iam/,
    ],
    [
      'MSK without TLS',
      { MSK_CLUSTER_ARN: clusterArn, KAFKA_AUTH: 'iam', KAFKA_TLS: 'false' },
      'KAFKA_TLS',
      /contradicts/,
    ],
    ['a bad boolean', { KAFKA_BROKERS: 'localhost:9092', KAFKA_TLS: 'yes' }, 'KAFKA_TLS', /true or false/],
    [
      'scram without secret',
      { MSK_CLUSTER_ARN: clusterArn, KAFKA_AUTH: 'scram' },
      'KAFKA_SCRAM_SECRET_ARN',
      /required/,
    ],
    [
      'a secret without scram',
      { MSK_CLUSTER_ARN: clusterArn, KAFKA_AUTH: 'iam', KAFKA_SCRAM_SECRET_ARN: secretArn },
      'KAFKA_SCRAM_SECRET_ARN',
      /only with MSK_CLUSTER_ARN and KAFKA_AUTH=scram/,
    ],
    [
      'scram with local brokers but no credentials file',
      { KAFKA_BROKERS: 'localhost:9192', KAFKA_TLS: 'true', KAFKA_AUTH: 'scram' },
      'KAFKA_SCRAM_CREDENTIALS_FILE',
      /missing: with KAFKA_BROKERS and KAFKA_AUTH=scram/,
    ],
    [
      'scram over plaintext',
      { KAFKA_BROKERS: 'localhost:9192', KAFKA_AUTH: 'scram', KAFKA_SCRAM_CREDENTIALS_FILE: '/tmp/u.json' },
      'KAFKA_TLS',
      /SCRAM is used over TLS only/,
    ],
    [
      'a credentials file without scram',
      { KAFKA_BROKERS: 'localhost:9092', KAFKA_SCRAM_CREDENTIALS_FILE: '/tmp/u.json' },
      'KAFKA_SCRAM_CREDENTIALS_FILE',
      /used only with KAFKA_BROKERS and KAFKA_AUTH=scram/,
    ],
    [
      'a CA file without TLS',
      { KAFKA_BROKERS: 'localhost:9092', KAFKA_TLS_CA_FILE: '/tmp/ca.pem' },
      'KAFKA_TLS_CA_FILE',
      /used only with KAFKA_BROKERS and KAFKA_TLS=true/,
    ],
    [
      'iam with local brokers',
      { KAFKA_BROKERS: 'localhost:9092', KAFKA_AUTH: 'iam' },
      'KAFKA_AUTH',
      /needs MSK_CLUSTER_ARN/,
    ],
  ])('names the wrong variable for %s', (_case, env, variable, message) => {
    // Act
    const error = configErrorOf(env);

    // Assess
    expect(error.variables).toContain(variable);
    expect(error.message).toMatch(new RegExp(`^Invalid Kafka configuration: .*${variable}: `));
    expect(error.message).toMatch(message);
  });

  it('treats blank variables as unset', () => {
    expect(configErrorOf({ KAFKA_BROKERS: '  ', MSK_CLUSTER_ARN: '' }).variables).toEqual(['KAFKA_BROKERS']);
  });
});
