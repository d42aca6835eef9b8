/**
 * Namespace of the deterministic (UUIDv5) ids of derived events and dead letters. Fixed forever:
 * changing it would give a replayed cause new ids, and duplicates would no longer be recognised.
 */
export const BILLING_ID_NAMESPACE = '3b0f6d1e-8a52-4c7e-9f14-6d2a90c4b7e5';

/** Unpublished rows a batch re-publishes before its own, per partition (bounded: the batch must go on). */
export const MAX_LEFTOVERS_PER_PARTITION = 2_000;
