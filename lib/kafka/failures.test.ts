import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
  KafkaJSSASLAuthenticationError,
} from 'kafkajs';
import { KafkaAuthenticationError, KafkaAuthorizationError, KafkaDeliveryError } from './errors';
import { kafkaFailure, listenerOf } from './failures';
import type { KafkaConnection } from './types';

const scram: KafkaConnection = {
  clientId: 'billing',
  brokers: ['localhost:9192', 'localhost:9193'],
  tls: true,
  authentication: { mechanism: 'scram-sha-512', username: 'billing-api', password: 'p4ss-word-71' },
};
const plaintext: KafkaConnection = { ...scram, tls: false, authentication: { mechanism: 'none' } };

/** kafkajs' errors as its JavaScript builds them (its type declarations leave out some arguments). */
const kafkajsError = (type: unknown, ...args: unknown[]): Error =>
  new (type as new (...args: unknown[]) => Error)(...args);

describe('kafkaFailure', () => {
  it('names the listener, the mechanism and the user of a refused login, never the password', () => {
    // Prepare
    const error = kafkajsError(
      KafkaJSSASLAuthenticationError,
      'SASL SCRAM SHA512 authentication failed: invalid credentials',
    );

    // Act
    const failure = kafkaFailure(error, scram, 'Cannot connect the Kafka producer');

    // Assess
    expect(failure).toBeInstanceOf(KafkaAuthenticationError);
    expect(failure).toBeInstanceOf(KafkaDeliveryError);
    expect(failure.message).toMatch(
      /SASL\/SCRAM-SHA-512 authentication of user "billing-api" failed on the SASL_SSL listener localhost:9192,localhost:9193/,
    );
    expect(failure.message).not.toContain('p4ss-word-71');
  });

  it.each([
    [
      'a topic ACL',
      kafkajsError(KafkaJSProtocolError, {
        message: 'denied',
        type: 'TOPIC_AUTHORIZATION_FAILED',
        code: 29,
        retriable: false,
      }),
    ],
    [
      'a group ACL',
      kafkajsError(KafkaJSProtocolError, {
        message: 'denied',
        type: 'GROUP_AUTHORIZATION_FAILED',
        code: 30,
        retriable: false,
      }),
    ],
    [
      'a wrapped refusal',
      new KafkaJSNonRetriableError('Not authorized to access topics: [Topic authorization failed]'),
    ],
  ])('makes %s an authorization error naming the principal, not a delivery error', (_case, error) => {
    // Act
    const failure = kafkaFailure(error, scram, 'Cannot deliver 1 record(s) to Kafka (billing.saga.events)');

    // Assess
    expect(failure).toBeInstanceOf(KafkaAuthorizationError);
    expect(failure).not.toBeInstanceOf(KafkaDeliveryError);
    expect(failure.message).toMatch(/billing\.saga\.events.*refuse User:billing-api/);
  });

  it('says which CA setting to check when the brokers certificate is not trusted', () => {
    // Prepare
    // What kafkajs' connection throws when Node refuses the certificate.
    const tls = new KafkaJSConnectionError('Connection error: self-signed certificate in certificate chain', {
      broker: 'localhost:9192',
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });

    // Act
    const failure = kafkaFailure(
      kafkajsError(KafkaJSNonRetriableError, tls, { cause: tls }),
      scram,
      'Cannot connect the Kafka producer',
    );

    // Assess
    expect(failure).toBeInstanceOf(KafkaDeliveryError);
    expect(failure.message).toMatch(/not trusted \(SELF_SIGNED_CERT_IN_CHAIN; KAFKA_TLS_CA_FILE/);
  });

  it('names the settings of any other failure, which stays a transient delivery error', () => {
    // Act
    const failure = kafkaFailure(
      new Error('Connection timeout'),
      plaintext,
      'Cannot connect the Kafka producer',
    );

    // Assess
    expect(failure).toBeInstanceOf(KafkaDeliveryError);
    expect(failure.message).toMatch(
      /PLAINTEXT to localhost:9192,localhost:9193; KAFKA_BROKERS, KAFKA_TLS and KAFKA_AUTH/,
    );
  });

  it.each([
    [{ tls: true, authentication: scram.authentication }, 'SASL_SSL'],
    [{ tls: true, authentication: { mechanism: 'none' } }, 'SSL'],
    [{ tls: false, authentication: { mechanism: 'none' } }, 'PLAINTEXT'],
  ] as const)('calls %j the %s listener', (parts, listener) => {
    expect(listenerOf({ ...scram, ...parts } as KafkaConnection)).toBe(listener);
  });
});
