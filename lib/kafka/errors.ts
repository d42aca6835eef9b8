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
