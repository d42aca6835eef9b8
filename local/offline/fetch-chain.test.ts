import { ChainStep, FetchChains, mayStartChain } from './fetch-chain';

describe('FetchChains', () => {
  it('continues a chain with the batch fetched from where the last one ended, control records included', () => {
    // Prepare
    const chains = new FetchChains();
    chains.took(3, 41n);
    // Act and assess
    expect(chains.classify(3, 42n)).toBe(ChainStep.continues);
    expect(chains.classify(3, 50n)).toBe(ChainStep.startsAnew);
    expect(chains.classify(4, 42n)).toBe(ChainStep.startsAnew);
    // kafkajs resolved a batch of control records (42..44) itself: the chain goes on at 45
    chains.skipped(3, 44n);
    expect(chains.classify(3, 45n)).toBe(ChainStep.continues);
  });

  it('has no chain after a reset, of every partition or of one', () => {
    const chains = new FetchChains();
    chains.took(0, 9n);
    chains.took(1, 19n);
    const before = chains.epoch(1);
    chains.reset([0]);
    expect(chains.classify(0, 10n)).toBe(ChainStep.startsAnew);
    expect(chains.classify(1, 20n)).toBe(ChainStep.continues);
    expect(chains.epoch(1)).toBe(before);
    chains.reset();
    expect(chains.classify(1, 20n)).toBe(ChainStep.startsAnew);
    // A partition never seen still tells that a reset of every partition happened
    expect(chains.epoch(7)).not.toBe(new FetchChains().epoch(7));
    expect(chains.epoch(1)).not.toBe(before);
  });

  it('ignores a skipped batch that is not where the chain stands', () => {
    const chains = new FetchChains();
    chains.skipped(2, 5n);
    expect(chains.classify(2, 6n)).toBe(ChainStep.startsAnew);
    chains.took(2, 9n);
    chains.skipped(2, 8n);
    expect(chains.classify(2, 10n)).toBe(ChainStep.continues);
  });
});

describe('mayStartChain', () => {
  it('starts a chain at or before the committed offset, and anywhere when the group has none', () => {
    expect(mayStartChain(100n, 100n)).toBe(true);
    expect(mayStartChain(60n, 100n)).toBe(true);
    expect(mayStartChain(0n, undefined)).toBe(true);
    expect(mayStartChain(500n, -1n)).toBe(true);
  });

  it('refuses a batch fetched past the committed offset: taken, it would skip what lies between', () => {
    expect(mayStartChain(101n, 100n)).toBe(false);
  });
});

/**
 * The order that loses records without the check, replayed on the rules: a partition buffered
 * 100..149 (committed 100); the group rebalances, which drops the buffer; kafkajs then delivers a
 * batch fetched before the rebalance, from 150, before the fetch from the committed offset.
 */
describe('a stale batch after a rebalance', () => {
  it('is refused, and the fetch from the committed offset starts the chain', () => {
    // Prepare
    const chains = new FetchChains();
    const committed = 100n;
    chains.took(5, 149n);
    chains.reset();
    // Act: the stale batch, then the fetch from the committed offset
    const stale = chains.classify(5, 150n) === ChainStep.continues || mayStartChain(150n, committed);
    const refetch = chains.classify(5, 100n) === ChainStep.continues || mayStartChain(100n, committed);
    // Assess
    expect(stale).toBe(false);
    expect(refetch).toBe(true);
  });
});
