/** The environment variables that configure the Kafka connection. */
export const KafkaEnvVariable = {
  /** Comma-separated `host:port` list of a local or self-managed cluster (plaintext by default). */
  brokers: 'KAFKA_BROKERS',
  /** `true` to use TLS with KAFKA_BROKERS; MSK always uses TLS. */
  tls: 'KAFKA_TLS',
  /** ARN of the MSK cluster whose bootstrap brokers are looked up at start. */
  clusterArn: 'MSK_CLUSTER_ARN',
  /** `none` (TLS only, on MSK), `scram` (SASL/SCRAM-SHA-512) or `iam` (SASL/OAUTHBEARER, MSK IAM). */
  auth: 'KAFKA_AUTH',
  /** Secrets Manager ARN of the SCRAM credentials (KAFKA_AUTH=scram on MSK). */
  scramSecretArn: 'KAFKA_SCRAM_SECRET_ARN',
  /**
   * A JSON file of the SCRAM credentials, `{ "username", "password" }` as in an MSK secret
   * (KAFKA_AUTH=scram with KAFKA_BROKERS: the local secured listener, docs/operations.md).
   */
  scramCredentialsFile: 'KAFKA_SCRAM_CREDENTIALS_FILE',
  /** A PEM file of the CA the brokers' certificates are verified against (KAFKA_BROKERS with TLS). */
  tlsCaFile: 'KAFKA_TLS_CA_FILE',
  clientId: 'KAFKA_CLIENT_ID',
} as const;
export type KafkaEnvVariable = (typeof KafkaEnvVariable)[keyof typeof KafkaEnvVariable];

export const KafkaAuthMode = {
  none: 'none',
  scram: 'scram',
  iam: 'iam',
} as const;
export type KafkaAuthMode = (typeof KafkaAuthMode)[keyof typeof KafkaAuthMode];

export const DEFAULT_KAFKA_CLIENT_ID = 'billing';

/** The GetBootstrapBrokers field to connect with, per authentication (private VPC endpoints). */
export const BootstrapBrokerField = {
  none: 'BootstrapBrokerStringTls',
  scram: 'BootstrapBrokerStringSaslScram',
  iam: 'BootstrapBrokerStringSaslIam',
} as const satisfies Record<KafkaAuthMode, string>;

/** The environment variables that locate the PostgreSQL read model. */
export const DatabaseEnvVariable = {
  /** A postgres:// connection URL: local runs and tests. */
  url: 'DATABASE_URL',
  /** Secrets Manager ARN of the connection (RDS-style JSON or a URL): deployed functions. */
  secretArn: 'DATABASE_SECRET_ARN',
} as const;
export type DatabaseEnvVariable = (typeof DatabaseEnvVariable)[keyof typeof DatabaseEnvVariable];
