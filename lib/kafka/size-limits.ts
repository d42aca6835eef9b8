import { BYTES_PER_MB, LARGE_EVENT_BYTES, MAX_EVENT_BYTES } from './constants';

/** The verdict on one serialized event's size. */
export type EventSizeVerdict =
  | { readonly verdict: 'ok'; readonly bytes: number }
  | { readonly verdict: 'large'; readonly bytes: number }
  | { readonly verdict: 'too-large'; readonly bytes: number; readonly message: string };

/** Formats a byte count in MB (1024 * 1024 bytes) with two decimals, e.g. `15.23`. */
export const formatMegabytes = (bytes: number): string => (bytes / BYTES_PER_MB).toFixed(2);

/** The rejection message for an event above MAX_EVENT_BYTES. */
export const tooLargeMessage = (bytes: number): string =>
  `Event message size (${formatMegabytes(bytes)} MB) exceeds maximum allowed size (${MAX_EVENT_BYTES / BYTES_PER_MB} MB)`;

/** The warning for an event above LARGE_EVENT_BYTES. */
export const largeEventMessage = (bytes: number, eventType: string, aggregateId: string): string =>
  `Large event detected (${formatMegabytes(bytes)} MB): ${eventType} for aggregate ${aggregateId}`;

/** Classifies a serialized event value by size against the 1 MB warning and 10 MB hard limits. */
export function checkEventSize(bytes: number): EventSizeVerdict {
  if (bytes > MAX_EVENT_BYTES) return { verdict: 'too-large', bytes, message: tooLargeMessage(bytes) };
  if (bytes > LARGE_EVENT_BYTES) return { verdict: 'large', bytes };
  return { verdict: 'ok', bytes };
}
