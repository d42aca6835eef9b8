/*
 * Which fetched batches a trigger may take. The consumer hands each fetched batch to the scheduler
 * and resolves it at once, so that kafkajs fetches what follows; a rebalance (or a fresh consumer)
 * drops what is buffered, and kafkajs fetches it again from the group's committed offset. That is
 * only safe if no batch fetched before the rebalance is taken after it: kafkajs can deliver one
 * (a fetcher whose fetch was in flight while another fetcher re-joined the group after stale
 * metadata). Taken and resolved, such a batch moves kafkajs' new position past the dropped records,
 * which would then never be invoked. So every batch is checked by the offset it was fetched from:
 *
 * - it continues the partition's chain when it was fetched from where the chain's last batch ended;
 * - otherwise (after a reset, or kafkajs went elsewhere) it may start a new chain only if it was
 *   fetched at or before the group's committed offset, so that nothing between the committed
 *   offset and the batch goes uninvoked; records before it that are invoked again are harmless
 *   (the handlers are idempotent);
 * - any other batch is stale: it is neither taken nor resolved, and kafkajs fetches from its own
 *   position again.
 */

/** What a fetched batch is to its partition's chain. */
export const ChainStep = {
  /** Fetched from where the chain's last batch ended. */
  continues: 'continues',
  /** No chain (after a reset), or fetched from elsewhere: may start one (mayStartChain). */
  startsAnew: 'starts-anew',
} as const;
export type ChainStep = (typeof ChainStep)[keyof typeof ChainStep];

/**
 * Whether a batch fetched from `fetchedOffset` may start a partition's chain, given the group's
 * committed offset for it (`undefined` or negative: the group has none, and kafkajs starts at the
 * trigger's starting position).
 */
export function mayStartChain(fetchedOffset: bigint, committed: bigint | undefined): boolean {
  return committed === undefined || committed < 0n || fetchedOffset <= committed;
}

/** Per partition, the offset the next batch of its chain is fetched from. */
export class FetchChains {
  private readonly next = new Map<number, bigint>();
  /** Resets of every partition, and of single ones: an answer awaited across one is void. */
  private resets = 0;
  private readonly partitionResets = new Map<number, number>();

  /** What a batch of `partition` fetched from `fetchedOffset` is to the chain. */
  classify(partition: number, fetchedOffset: bigint): ChainStep {
    return this.next.get(partition) === fetchedOffset ? ChainStep.continues : ChainStep.startsAnew;
  }

  /** A batch was taken: the chain goes on after its last offset (control records included). */
  took(partition: number, lastOffset: bigint): void {
    this.next.set(partition, lastOffset + 1n);
  }

  /**
   * kafkajs resolved, by itself, a batch that held no records for the trigger (control records,
   * aborted ones, or compacted away) and moved its position past it: so does the chain.
   */
  skipped(partition: number, lastOffset: bigint): void {
    const next = this.next.get(partition);
    if (next !== undefined && lastOffset >= next) this.next.set(partition, lastOffset + 1n);
  }

  /** Every partition (or those given) has no chain: the next batch must start one. */
  reset(partitions?: Iterable<number>): void {
    if (partitions === undefined) {
      this.next.clear();
      this.resets += 1;
      return;
    }
    for (const partition of partitions) {
      this.next.delete(partition);
      this.partitionResets.set(partition, (this.partitionResets.get(partition) ?? 0) + 1);
    }
  }

  /** Names the partition's resets so far, to tell whether one happened meanwhile. */
  epoch(partition: number): string {
    return `${this.resets}.${this.partitionResets.get(partition) ?? 0}`;
  }
}
