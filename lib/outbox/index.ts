/**
 * The transactional outbox (docs/design.md: Delivery semantics): events a handler must emit are written
 * in the same transaction as their cause, with deterministic ids, and published after commit.
 */
export { BILLING_ID_NAMESPACE, MAX_LEFTOVERS_PER_PARTITION } from './constants';
export { derivedEventId, uuidV5 } from './derived-id';
export { OutboxError, OutboxPublishError } from './errors';
export { derivedOutboxMessageOf, outboxMessageOf } from './message';
export { eventStorePublisher } from './publisher';
export {
  lockOutboxSource,
  markPublishedThrough,
  outboxInsert,
  publishEvents,
  publishedThrough,
  publishMessages,
  unpublishedOf,
} from './store';
export type { EventPublisher, OutboxMessage, OutboxSource } from './types';
