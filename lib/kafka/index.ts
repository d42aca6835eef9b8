/**
 * Kafka access for the billing engine: the producer port (our own interface, so kafkajs can be
 * replaced without touching handlers), its kafkajs adapter with a pure-JS LZ4 codec, and the
 * event store that validates, size-checks and appends billing events.
 */
export {
  AppendRejectionReason,
  BYTES_PER_MB,
  LARGE_EVENT_BYTES,
  MAX_EVENT_BYTES,
  MAX_SEND_BYTES,
} from './constants';
export {
  KafkaAuthenticationError,
  KafkaAuthorizationError,
  KafkaDeliveryError,
  KafkaModuleError,
  Lz4CodecError,
} from './errors';
export {
  type AppendedEvent,
  type AppendRejection,
  type AppendResult,
  KafkaEventStore,
  type KafkaEventStoreOptions,
} from './event-store';
export { isAuthorizationFailure, kafkaFailure, listenerOf } from './failures';
export {
  createKafkajsClient,
  createKafkaProducer,
  type KafkajsClientOptions,
  KafkajsProducer,
} from './kafkajs-adapter';
export { lz4CompressFrame, lz4DecompressFrame, registerLz4Codec } from './lz4-codec';
export {
  checkEventSize,
  type EventSizeVerdict,
  formatMegabytes,
  largeEventMessage,
  tooLargeMessage,
} from './size-limits';
export type {
  KafkaAuthentication,
  KafkaConnection,
  KafkaProducerPort,
  OutgoingRecord,
  PartitionWrite,
} from './types';
