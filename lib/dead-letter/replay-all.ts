import type { Queryable } from '../database';
import { type LetterFilter, listLetters, type StoredLetter } from './store';

/** Letters read per page by `dlq replay --all`. */
export const REPLAY_PAGE = 1_000;

/**
 * `dlq replay --all`: every letter matching the filter that is not resolved or discarded, oldest
 * first, a page at a time, each page handed to `replay` before the next is read (so a backlog of
 * any size is replayed, in bounded memory). The age filter is measured from `now`, once.
 */
export async function replayEveryLetter(
  db: Queryable,
  filter: LetterFilter,
  replay: (letter: StoredLetter) => Promise<void>,
  options: { readonly now: Date; readonly pageSize?: number },
): Promise<{ readonly replayed: number }> {
  const pageSize = options.pageSize ?? REPLAY_PAGE;
  let replayed = 0;
  let after: string | undefined;
  for (;;) {
    const page = await listLetters(db, filter, {
      now: options.now,
      limit: pageSize,
      ...(after === undefined ? {} : { after }),
    });
    for (const letter of page) {
      if (letter.status === 'resolved' || letter.status === 'discarded') continue;
      await replay(letter);
      replayed += 1;
    }
    after = page.at(-1)?.id;
    if (page.length < pageSize) return { replayed };
  }
}
