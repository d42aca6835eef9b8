import type { KafkaAuthMode } from './constants';

/** Kafka settings read from the environment, before any AWS look-up. */
export type KafkaSettings = LocalKafkaSettings | MskKafkaSettings;

export interface LocalKafkaSettings {
  readonly mode: 'brokers';
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly tls: boolean;
}

export type MskKafkaSettings = {
  readonly mode: 'msk';
  readonly clientId: string;
  readonly clusterArn: string;
  /** The cluster's region, taken from its ARN (the API call and IAM signatures go there). */
  readonly region: string;
} & (
  | { readonly auth: typeof KafkaAuthMode.none }
  | { readonly auth: typeof KafkaAuthMode.scram; readonly scramSecretArn: string }
  | { readonly auth: typeof KafkaAuthMode.iam }
);
