import { loadDrainSettings } from './drain';
import { DeadLetterConfigError } from './errors';

describe('loadDrainSettings', () => {
  it('drains 45 s of a 60 s run in 10 shards by default', () => {
    expect(loadDrainSettings(60_000, {})).toEqual({ shards: 10, budgetMs: 45_000 });
  });

  it('keeps the margin when the function has less time left', () => {
    expect(loadDrainSettings(20_000, { DEAD_LETTER_RETRY_SHARDS: '8' })).toEqual({
      shards: 8,
      budgetMs: 5_000,
    });
  });

  it('never has a negative budget', () => {
    expect(loadDrainSettings(1_000, {}).budgetMs).toBe(0);
  });

  it('names the variable at fault', () => {
    expect(() => loadDrainSettings(60_000, { DEAD_LETTER_RETRY_SHARDS: '0' })).toThrow(DeadLetterConfigError);
    expect(() => loadDrainSettings(60_000, { DEAD_LETTER_RETRY_SHARDS: 'many' })).toThrow(
      /DEAD_LETTER_RETRY_SHARDS/,
    );
  });
});
