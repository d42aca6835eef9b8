import type { Admin, Kafka } from 'kafkajs';
import { StartingPosition } from './constants';
import type { EmulatorMetrics } from './metrics';
import { partitionLag } from './supervision';
import type { MskTrigger } from './types';

/** How often the lag is read (Lambda publishes OffsetLag about once a minute; locally, faster). */
const LAG_INTERVAL_MS = 5_000;

/**
 * MSK's OffsetLag for every trigger, read from the cluster: each partition's log end minus the
 * offset the trigger's group committed. It does not depend on the consumer (what it last saw), so
 * it keeps rising while a consumer is gone. While the cluster cannot be read, the last figures stay.
 */
export class LagMonitor {
  private admin?: Admin;
  private timer?: NodeJS.Timeout;
  private reading?: Promise<void> | undefined;
  private failing = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly triggers: readonly MskTrigger[],
    private readonly metrics: EmulatorMetrics,
    private readonly log: (message: string) => void,
    private readonly intervalMs = LAG_INTERVAL_MS,
  ) {}

  start(): void {
    this.admin = this.kafka.admin();
    this.timer = setInterval(() => {
      this.reading ??= this.readAll().finally(() => {
        this.reading = undefined;
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops reading; a read in flight is abandoned (its admin disconnected), never waited for. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.admin?.disconnect().catch(() => undefined);
  }

  /** Reads every trigger's lag once. */
  async readAll(): Promise<void> {
    const admin = this.admin;
    if (!admin) return;
    try {
      await admin.connect();
      for (const trigger of this.triggers) await this.readTrigger(admin, trigger);
      if (this.failing) this.log('offset lag readable again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) {
        this.log(`offset lag not readable (last figures kept): ${(error as Error).message}`);
      }
      this.failing = true;
    }
  }

  private async readTrigger(admin: Admin, trigger: MskTrigger): Promise<void> {
    const [logOffsets, [committed]] = await Promise.all([
      admin.fetchTopicOffsets(trigger.topic),
      admin.fetchOffsets({ groupId: trigger.consumerGroupId, topics: [trigger.topic] }),
    ]);
    const committedOf = new Map(
      (committed?.partitions ?? []).map(({ partition, offset }) => [partition, offset]),
    );
    const fromBeginning = trigger.startingPosition === StartingPosition.trimHorizon;
    for (const { partition, low, high } of logOffsets) {
      const lag = partitionLag(
        { partition, logStart: low, logEnd: high, committed: committedOf.get(partition) ?? '-1' },
        fromBeginning,
      );
      this.metrics.offsetLag.set(
        { function: trigger.functionKey, topic: trigger.topic, partition: String(partition) },
        lag,
      );
    }
  }
}
