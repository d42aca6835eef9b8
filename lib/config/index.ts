/** Configuration read from the validated environment: the Kafka connection (local brokers or MSK). */
export { BootstrapBrokerField, DEFAULT_KAFKA_CLIENT_ID, KafkaAuthMode, KafkaEnvVariable } from './constants';
export { BootstrapBrokersError, ConfigError, KafkaConfigError, KafkaSecretError } from './errors';
export {
  type KafkaConnectionDependencies,
  loadKafkaConnection,
  readScramCredentials,
  resolveKafkaConnection,
  resolveMskBootstrapBrokers,
} from './kafka-connection';
export { loadKafkaSettings } from './kafka-settings';
export type { KafkaSettings, LocalKafkaSettings, MskKafkaSettings } from './types';
