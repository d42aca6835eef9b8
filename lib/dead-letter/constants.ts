/** Longest failure message kept in a dead letter (the envelope allows 10,000 characters). */
export const MAX_FAILURE_MESSAGE_LENGTH = 10_000;

/** The attempt number of a record's first failure; the retrier increments it. */
export const FIRST_ATTEMPT = 1;
