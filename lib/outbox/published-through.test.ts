import { publishedThrough } from './store';

const rows = (...positions: number[]) => positions.map((position) => ({ position: String(position) }));

describe('publishedThrough: how far a batch marks its partition published', () => {
  it('marks through its own last row when it read and published every leftover', () => {
    expect(publishedThrough(rows(4, 5), '9', 10)).toBe('9');
    expect(publishedThrough([], '9', 10)).toBe('9');
  });

  it('marks only through the last leftover when there may be more it did not read', () => {
    expect(publishedThrough(rows(1, 2, 3), '9', 3)).toBe('3');
  });

  it('marks through the leftovers when the batch wrote nothing, and nothing when there was nothing', () => {
    expect(publishedThrough(rows(4, 5), undefined, 10)).toBe('5');
    expect(publishedThrough([], undefined, 10)).toBeUndefined();
  });
});
