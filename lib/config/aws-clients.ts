import type * as KafkaSdk from '@aws-sdk/client-kafka';
import type { KafkaClient } from '@aws-sdk/client-kafka';
import type * as SecretsManagerSdk from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/*
 * The AWS API clients of a cold start. The SDK sets no request timeout by default: in a VPC with
 * no route to the API (no NAT gateway, no interface endpoint), a call would hang until the
 * function's own timeout. Bounded here, a cold start fails in seconds with a timeout that says so.
 */

/*
 * The SDK's modules are required on first use, not when a handler's module is evaluated: loading
 * the SDK took about 80 ms of every function's cold start (npm run bench:cold-start,
 * docs/benchmarks.md), though local runs (DATABASE_URL, KAFKA_BROKERS) never call AWS and a
 * function that never meets Kafka never needs the MSK client. The bundles leave `@aws-sdk/*` to the
 * runtime, so a require() here stays a require() in the bundle.
 */

/** The MSK API module (`@aws-sdk/client-kafka`), loaded on the first call. */
export const kafkaSdk = (): typeof KafkaSdk => require('@aws-sdk/client-kafka');

/** The Secrets Manager module (`@aws-sdk/client-secrets-manager`), loaded on the first call. */
export const secretsManagerSdk = (): typeof SecretsManagerSdk => require('@aws-sdk/client-secrets-manager');

/** Connecting to an AWS API endpoint (TCP and TLS). */
export const AWS_CONNECT_TIMEOUT_MS = 3_000;
/** One request, from sending it to its answer. */
export const AWS_REQUEST_TIMEOUT_MS = 5_000;
/** Attempts per call (the first and one retry): at most about 16 s before the call fails. */
export const AWS_MAX_ATTEMPTS = 2;

/** Test seam: a local endpoint in place of the regional one. */
export interface AwsClientOptions {
  readonly region: string;
  readonly endpoint?: string;
}

const common = (options: AwsClientOptions) => ({
  region: options.region,
  maxAttempts: AWS_MAX_ATTEMPTS,
  requestHandler: {
    connectionTimeout: AWS_CONNECT_TIMEOUT_MS,
    requestTimeout: AWS_REQUEST_TIMEOUT_MS,
    // Without it, an elapsed requestTimeout only logs a warning and the request goes on waiting.
    throwOnRequestTimeout: true,
  },
  ...(options.endpoint ? { endpoint: options.endpoint } : {}),
});

/** The MSK API client (GetBootstrapBrokers), with bounded timeouts. */
export const mskApiClient = (options: AwsClientOptions): KafkaClient =>
  new (kafkaSdk().KafkaClient)(common(options));

/** The Secrets Manager client (database and SCRAM secrets), with bounded timeouts. */
export const secretsManagerClient = (options: AwsClientOptions): SecretsManagerClient =>
  new (secretsManagerSdk().SecretsManagerClient)(common(options));
