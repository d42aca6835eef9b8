import { KafkaAuthenticationError, KafkaAuthorizationError, KafkaDeliveryError } from './errors';
import type { KafkaConnection } from './types';

/** Kafka error codes (kafkajs' `type`) that mean an ACL refused the principal. */
const AUTHORIZATION_TYPES = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
]);

interface KafkajsLikeError {
  readonly name?: string;
  readonly type?: string;
  readonly message?: string;
  readonly code?: string;
  readonly cause?: unknown;
  readonly originalError?: unknown;
}

/** The error and its causes (kafkajs nests them in `cause` and `originalError`). */
function chainOf(error: unknown): KafkajsLikeError[] {
  const chain: KafkajsLikeError[] = [];
  let current: unknown = error;
  while (current instanceof Error && chain.length < 8) {
    const entry = current as KafkajsLikeError;
    chain.push(entry);
    current = entry.cause ?? entry.originalError;
  }
  return chain;
}

/** Whether kafkajs failed because an ACL refused the principal (a topic, a group, the cluster). */
export function isAuthorizationFailure(error: unknown): boolean {
  return chainOf(error).some(
    (entry) =>
      (entry.type !== undefined && AUTHORIZATION_TYPES.has(entry.type)) ||
      /not authorized to access/i.test(entry.message ?? ''),
  );
}

/** What the connection is, in the words of a broker's listener: `SASL_SSL`, `SSL`, `PLAINTEXT`. */
export function listenerOf(connection: KafkaConnection): string {
  const sasl = connection.authentication.mechanism !== 'none';
  if (connection.tls) return sasl ? 'SASL_SSL' : 'SSL';
  return sasl ? 'SASL_PLAINTEXT' : 'PLAINTEXT';
}

const mechanismName = (connection: KafkaConnection): string =>
  connection.authentication.mechanism === 'scram-sha-512'
    ? 'SCRAM-SHA-512'
    : connection.authentication.mechanism.toUpperCase();

const principalOf = (connection: KafkaConnection): string =>
  connection.authentication.mechanism === 'scram-sha-512'
    ? `User:${connection.authentication.username}`
    : `the ${mechanismName(connection)} principal`;

/** TLS verification failures of Node (a broker certificate not signed by a trusted CA, a wrong name). */
const TLS_VERIFY_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Turns a kafkajs failure into the Kafka module's error, named for what went wrong: the
 * credentials (naming the listener and the mechanism), an ACL (naming the principal and what it
 * tried), the brokers' certificate, or anything else (a delivery error: transient).
 */
export function kafkaFailure(error: unknown, connection: KafkaConnection, attempt: string): Error {
  const chain = chainOf(error);
  const brokers = connection.brokers.join(',');
  const detail = chain[0]?.message ?? String(error);
  if (chain.some((entry) => entry.name === 'KafkaJSSASLAuthenticationError')) {
    const user =
      connection.authentication.mechanism === 'scram-sha-512'
        ? ` of user "${connection.authentication.username}"`
        : '';
    return new KafkaAuthenticationError(
      `${attempt}: SASL/${mechanismName(connection)} authentication${user} failed on the ${listenerOf(connection)} listener ${brokers} (check KAFKA_SCRAM_CREDENTIALS_FILE or the SCRAM secret): ${detail}`,
      { cause: error },
    );
  }
  if (isAuthorizationFailure(error)) {
    return new KafkaAuthorizationError(
      `${attempt}: Kafka's ACLs refuse ${principalOf(connection)} on ${brokers} (its rights come from serverless.yml's kafkaProduces and msk triggers): ${detail}`,
      { cause: error },
    );
  }
  const tls = chain.find((entry) => entry.code !== undefined && TLS_VERIFY_CODES.has(entry.code));
  if (tls) {
    return new KafkaDeliveryError(
      `${attempt}: the brokers' certificate on ${brokers} is not trusted (${tls.code}; KAFKA_TLS_CA_FILE names the CA to trust): ${tls.message}`,
      { cause: error },
    );
  }
  return new KafkaDeliveryError(
    `${attempt} (${listenerOf(connection)} to ${brokers}; KAFKA_BROKERS, KAFKA_TLS and KAFKA_AUTH say how): ${detail}`,
    { cause: error },
  );
}
