import { KafkaClient } from '@aws-sdk/client-kafka';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/*
 * The AWS API clients of a cold start. The SDK sets no request timeout by default: in a VPC with
 * no route to the API (no NAT gateway, no interface endpoint), a call would hang until the
 * function's own timeout. Bounded here, a cold start fails in seconds with a timeout that says so.
 */

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
export const mskApiClient = (options: AwsClientOptions): KafkaClient => new KafkaClient(common(options));

/** The Secrets Manager client (database and SCRAM secrets), with bounded timeouts. */
export const secretsManagerClient = (options: AwsClientOptions): SecretsManagerClient =>
  new SecretsManagerClient(common(options));
