import type { KafkaAuthMode } from './constants';

/** Kafka settings read from the environment, before any AWS look-up. */
export type KafkaSettings = LocalKafkaSettings | MskKafkaSettings;

export interface LocalKafkaSettings {
  readonly mode: 'brokers';
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly tls: boolean;
  /** A PEM file of the CA to verify the brokers against, instead of Node's default ones. */
  readonly tlsCaFile?: string;
  /** SASL/SCRAM-SHA-512 with the credentials in this JSON file (always over TLS). */
  readonly scramCredentialsFile?: string;
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
