import { DEADLINE_MARGIN_MS, REQUEST_DEADLINE_MS } from './constants';

/**
 * A request's deadline: REQUEST_DEADLINE_MS, or less when the function has less time left (its
 * timeout minus a margin), so that the API answers 503 itself before the function times out.
 */
export function requestDeadlineMs(remainingMs: number): number {
  return Math.max(0, Math.min(REQUEST_DEADLINE_MS, remainingMs - DEADLINE_MARGIN_MS));
}
