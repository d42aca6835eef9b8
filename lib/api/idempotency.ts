import { createHash, randomUUID } from 'node:crypto';
import { uuidV5 } from '../outbox';
import type { CommandIds } from './commands';
import { API_ID_NAMESPACE } from './constants';
import type { IdempotencyRecord, StoredAnswer } from './types';

/** JSON with object keys sorted, so that the same body hashes the same however it is laid out. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What identifies a request for its Idempotency-Key: method, path and body (SHA-256, hex). */
export const requestHash = (method: string, path: string, body: unknown): string =>
  createHash('sha256')
    .update(`${method.toUpperCase()} ${path}\n${canonicalJson(body)}`)
    .digest('hex');

/**
 * The ids of a command's event. With an Idempotency-Key they are UUIDv5 of the caller and the key,
 * so a retry (even after a crash between the append and its record) appends the same event id,
 * which every consumer applies once. Without a key they are fresh.
 */
export function commandIdsOf(
  idempotency: { readonly principal: string; readonly key: string } | null,
  randomId: () => string = randomUUID,
): CommandIds {
  if (!idempotency) return { eventId: randomId(), aggregateId: randomId(), correlationId: randomId() };
  const seed = `${idempotency.principal}\n${idempotency.key}`;
  return {
    eventId: uuidV5(`${seed}\nevent`, API_ID_NAMESPACE),
    aggregateId: uuidV5(`${seed}\naggregate`, API_ID_NAMESPACE),
    correlationId: uuidV5(`${seed}\ncorrelation`, API_ID_NAMESPACE),
  };
}

/** What to do with a request whose Idempotency-Key may have been seen. */
export type IdempotencyDecision =
  /** First use, or a retry of a request whose append may not have happened: append (same ids). */
  | { readonly kind: 'append' }
  /** A retry of a finished request: answer as the first time, append nothing. */
  | { readonly kind: 'replay'; readonly answer: StoredAnswer }
  /** The key was first used for another request. */
  | { readonly kind: 'conflict' };

/** Decides from the key's record (if any) and this request's hash. */
export function idempotencyDecision(record: IdempotencyRecord | null, hash: string): IdempotencyDecision {
  if (record === null) return { kind: 'append' };
  if (record.requestHash !== hash) return { kind: 'conflict' };
  if (record.answer !== null) return { kind: 'replay', answer: record.answer };
  return { kind: 'append' };
}
