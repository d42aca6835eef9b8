/** One megabyte as the size messages count it: 1024 * 1024 bytes. */
export const BYTES_PER_MB = 1024 * 1024;

/** Largest serialized event value accepted before sending (the topics' max.message.bytes). */
export const MAX_EVENT_BYTES = 10 * BYTES_PER_MB;

/** Serialized events above this size are sent with a warning. */
export const LARGE_EVENT_BYTES = 1 * BYTES_PER_MB;

/**
 * Upper bound of serialized value bytes per producer request. One append-many call is split into
 * sequential sends below it, so that no partition's compressed batch can approach the brokers'
 * 10 MB max.message.bytes even for incompressible payloads.
 */
export const MAX_SEND_BYTES = 8 * BYTES_PER_MB;

/** Why the event store refused an append (an outcome, returned, not thrown). */
export const AppendRejectionReason = {
  invalidEvent: 'invalid-event',
  eventTooLarge: 'event-too-large',
} as const;
export type AppendRejectionReason = (typeof AppendRejectionReason)[keyof typeof AppendRejectionReason];
