/**
 * Configuration read from the validated environment: the Kafka connection (local brokers or MSK)
 * and the PostgreSQL connection (a local URL or a Secrets Manager secret).
 */
export {
  BootstrapBrokerField,
  DatabaseEnvVariable,
  DEFAULT_KAFKA_CLIENT_ID,
  KafkaAuthMode,
  KafkaEnvVariable,
} from './constants';
export { type DatabaseUrlDependencies, databaseUrlOfSecret, resolveDatabaseUrl } from './database';
export {
  BootstrapBrokersError,
  ConfigError,
  DatabaseConfigError,
  DatabaseSecretError,
  KafkaConfigError,
  KafkaSecretError,
} from './errors';
export {
  type KafkaConnectionDependencies,
  loadKafkaConnection,
  readScramCredentials,
  resolveKafkaConnection,
  resolveMskBootstrapBrokers,
} from './kafka-connection';
export { loadKafkaSettings } from './kafka-settings';
export type { KafkaSettings, LocalKafkaSettings, MskKafkaSettings } from './types';
