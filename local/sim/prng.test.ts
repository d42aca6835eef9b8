import { Prng } from './prng';

describe('Prng (mulberry32)', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const draw = (seed: number) => {
      const prng = new Prng(seed);
      return Array.from({ length: 5 }, () => prng.next());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('draws floats in [0, 1), integers in range and version-4-shaped lower-case UUIDs', () => {
    const prng = new Prng(1);
    for (let i = 0; i < 1_000; i++) {
      const value = prng.next();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
      const n = prng.between(3, 5);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(5);
    }
    expect(prng.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('picks by weight and never picks a key of weight 0', () => {
    const prng = new Prng(3);
    const picks = Array.from({ length: 500 }, () => prng.weighted({ a: 1, b: 0, c: 3 }));
    expect(picks).not.toContain('b');
    expect(picks.filter((pick) => pick === 'c').length).toBeGreaterThan(
      picks.filter((pick) => pick === 'a').length,
    );
  });
});
