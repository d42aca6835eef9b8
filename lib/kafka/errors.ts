/** Base class of every error thrown by the Kafka module. */
export class KafkaModuleError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KafkaModuleError';
  }
}

/** An LZ4 frame could not be decoded. */
export class Lz4CodecError extends KafkaModuleError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'Lz4CodecError';
  }
}

/** The producer could not connect to, or deliver to, the cluster (transient: retry the work). */
export class KafkaDeliveryError extends KafkaModuleError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KafkaDeliveryError';
  }
}

/**
 * The brokers refused the client's credentials (SASL). Transient as a delivery error is: a rotated
 * password is read again by the next connection (the API's next request, the next invocation).
 */
export class KafkaAuthenticationError extends KafkaDeliveryError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KafkaAuthenticationError';
  }
}

/**
 * The brokers' ACLs do not let the client's principal do what it asked (write a topic, read a
 * topic, use a group). Not transient: retrying changes nothing until the ACLs or the declarations
 * (serverless.yml's `kafkaProduces` and `msk` triggers) change.
 */
export class KafkaAuthorizationError extends KafkaModuleError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KafkaAuthorizationError';
  }
}
