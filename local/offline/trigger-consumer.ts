import type { Admin, Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { isAuthorizationFailure } from '../../lib/kafka/failures';
import { buildMskEvent, type KafkaRecordInput, recordInputOf } from '../../lib/msk/build';
import { StartingPosition } from './constants';
import { InvokeUnavailableError } from './errors';
import { ChainStep, FetchChains, mayStartChain } from './fetch-chain';
import type { Invoke } from './invoke';
import type { EmulatorMetrics } from './metrics';
import { buildOnFailureRecord, localFunctionArn } from './on-failure';
import { afterInvocation, nextBatchAction, startBatch } from './policy';
import { BatchScheduler, type ScheduledBatch } from './scheduler';
import {
  restartDelayMs,
  SUPERVISION_DEFAULTS,
  type SupervisionSettings,
  stallOf,
  TriggerState,
} from './supervision';
import type { InvocationOutcome, MskTrigger } from './types';

/** Lambda's synchronous invocation payload limit: a batch never exceeds it. */
const MAX_BATCH_BYTES = 6 * 1024 * 1024 - 64 * 1024;
const UNAVAILABLE_PAUSE_MS = 500;
/** MSK_OFFLINE_TRACE=1 logs every batch fetched, every batch step and commit, and the group's events. */
const TRACE = process.env.MSK_OFFLINE_TRACE === '1';

/** The offset a kafkajs batch was fetched from (kafkajs has it, its types do not name it). */
const fetchedOffsetOf = (batch: EachBatchPayload['batch']): bigint =>
  BigInt((batch as unknown as { fetchedOffset: string }).fetchedOffset);

export interface TriggerConsumerOptions {
  readonly kafka: Kafka;
  /** Writes on-failure records (acks=all; not idempotent: see plugin.ts). */
  readonly producer: Producer;
  readonly invoke: Invoke;
  readonly metrics: EmulatorMetrics;
  readonly region: string;
  readonly eventSourceArn: string;
  readonly bootstrapServers: readonly string[];
  readonly log: (message: string) => void;
  /** Partitions invoked at once (each busy partition is one serverless-offline worker). */
  readonly partitionsConcurrently: number;
  readonly supervision?: SupervisionSettings;
  readonly now?: () => number;
}

/** A consumed record: what the MSK event carries, with its offset as the policy reads it. */
type ConsumedRecord = KafkaRecordInput & { readonly offset: string };

const sizeOf = (record: ConsumedRecord): number =>
  (record.key?.length ?? 0) * 1.4 + (record.value?.length ?? 0) * 1.4 + 200;

/** How often the watchdog looks at the consumer. */
const WATCHDOG_INTERVAL_MS = 5_000;
/** A consumer being replaced gets this long to leave its group cleanly. */
const DISCONNECT_TIMEOUT_MS = 10_000;

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T | undefined> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });

/**
 * One MSK trigger of one function: a kafkajs consumer in the trigger's group whose eachBatch only
 * buffers what it fetched (so its next fetch waits on no invocation); the scheduler
 * (`scheduler.ts`) invokes each partition's batches in offset order, one at a time, when full or
 * when its batching window expires (a timer per partition), at most `partitionsConcurrently`
 * invocations at once; offsets committed by hand after each successful invocation, the policy
 * deciding retries and on-failure. A rebalance or a fresh consumer drops what is buffered (it is
 * fetched again from the committed offset) and a batch then in progress commits nothing more.
 *
 * Supervised: a consumer that crashes, stops or stalls (no fetch, heartbeat or invocation for
 * `stallMs`) is reported (log line, `msk_offline_trigger_up` 0) and replaced by a fresh one after
 * a backoff, as Lambda's pollers come back after any broker or group fault.
 */
export class TriggerConsumer {
  private consumer?: Consumer;
  /** Bumped per consumer: events and batches of a replaced consumer are ignored. */
  private generation = 0;
  private stopping = false;
  private state: TriggerState = TriggerState.starting;
  private lastActivityAt = 0;
  private invocationsInFlight = 0;
  /** Restarts in a row without a group join between them (the backoff's exponent). */
  private failures = 0;
  private restartTimer?: NodeJS.Timeout;
  private watchdog?: NodeJS.Timeout;
  private readonly supervision: SupervisionSettings;
  /** When each partition's batch is invoked; kept across consumers (one batch per partition). */
  private readonly scheduler: BatchScheduler<ConsumedRecord>;
  /** Which fetched batches may be taken (fetch-chain.ts). */
  private readonly chains = new FetchChains();
  /** The group's committed offset per partition, as last known (our commits, or read). */
  private readonly committed = new Map<number, bigint>();
  /** Reads the group's committed offsets when a batch would start a chain; connected when first needed. */
  private admin?: Promise<Admin>;

  constructor(
    readonly trigger: MskTrigger,
    private readonly options: TriggerConsumerOptions,
  ) {
    this.supervision = options.supervision ?? SUPERVISION_DEFAULTS;
    this.scheduler = new BatchScheduler<ConsumedRecord>({
      rules: {
        batchSize: trigger.batchSize,
        maxBytes: MAX_BATCH_BYTES,
        windowMs: trigger.maximumBatchingWindowSeconds * 1000,
      },
      // Each invocation in flight is one serverless-offline worker.
      concurrency: options.partitionsConcurrently,
      sizeOf,
      offsetOf: (record) => BigInt(record.offset),
      run: (batch) => this.runBatch(batch),
      flow: (partition, paused) => this.flow(partition, paused),
      onError: (partition, error) =>
        this.down(`the batch of ${trigger.topic}-${partition} failed: ${(error as Error).message}`, error),
      ...(options.now ? { now: options.now } : {}),
    });
  }

  /** The consumer's state (starting, running, down, stopped). */
  get status(): TriggerState {
    return this.state;
  }

  private get labels() {
    return { function: this.trigger.functionKey, topic: this.trigger.topic };
  }

  private clock(): number {
    return (this.options.now ?? Date.now)();
  }

  private markActive(): void {
    this.lastActivityAt = this.clock();
  }

  private setState(state: TriggerState): void {
    this.state = state;
    this.options.metrics.triggerUp.set(this.labels, state === TriggerState.running ? 1 : 0);
  }

  /** Starts the first consumer and the watchdog; resolves once it is subscribed and running. */
  async start(): Promise<void> {
    this.watchdog = setInterval(() => this.watch(), WATCHDOG_INTERVAL_MS);
    this.watchdog.unref();
    await this.launch();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.scheduler.stop();
    clearInterval(this.watchdog);
    clearTimeout(this.restartTimer);
    this.setState(TriggerState.stopped);
    await this.consumer?.disconnect();
    await this.admin?.then((admin) => admin.disconnect()).catch(() => undefined);
    // Batches in progress end at their next step, uncommitted (an invocation is let finish).
    await this.scheduler.settled();
  }

  private createConsumer(generation: number): Consumer {
    const { trigger } = this;
    const consumer = this.options.kafka.consumer({
      groupId: trigger.consumerGroupId,
      // How long a fetch waits for records when there are none; the batching window is ours.
      maxWaitTimeInMs: 250,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      retry: {
        retries: 10,
        initialRetryTime: 300,
        maxRetryTime: 5_000,
        // Every crash is the supervisor's: it reports it and starts a fresh consumer.
        restartOnFailure: async () => false,
      },
    });
    const current = () => generation === this.generation && !this.stopping;
    const active = () => {
      if (current()) this.markActive();
    };
    consumer.on(consumer.events.FETCH_START, active);
    consumer.on(consumer.events.HEARTBEAT, active);
    // A rebalance: kafkajs fetches every assigned partition again from its committed offset (a new
    // offset manager), so what is buffered goes, and a batch in progress commits nothing more (its
    // partition may be another member's now). Both events come before the next fetch.
    consumer.on(consumer.events.REBALANCING, () => {
      this.trace(() => `REBALANCING current=${current()}`);
      if (current()) this.resetAll();
    });
    // kafkajs resolved a batch without records for us (control records) itself: the chain moves past it.
    consumer.on(consumer.events.START_BATCH_PROCESS, (event) => {
      const { topic, partition, batchSize, lastOffset } = event.payload;
      if (current() && batchSize === 0 && topic === trigger.topic)
        this.chains.skipped(partition, BigInt(lastOffset));
    });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.trace(() => `GROUP_JOIN current=${current()}`);
      if (!current()) return;
      this.resetAll();
      this.markActive();
      const wasDown = this.failures > 0;
      this.failures = 0;
      this.setState(TriggerState.running);
      if (wasDown) {
        this.options.log(
          `${trigger.functionKey} <- ${trigger.topic}: back in group ${trigger.consumerGroupId} (${event.payload.memberAssignment[trigger.topic]?.length ?? 0} partition(s))`,
        );
      }
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (current()) this.down(`crashed: ${event.payload.error.message}`, event.payload.error);
    });
    // kafkajs stops a consumer before it reports the crash: give the crash a moment to be the reason.
    consumer.on(consumer.events.STOP, () => {
      if (current()) setTimeout(() => current() && this.down('stopped'), 1_000).unref();
    });
    return consumer;
  }

  /** A fresh consumer: connect, subscribe, run. A failure is reported and retried after a backoff. */
  private async launch(): Promise<void> {
    if (this.stopping) return;
    this.generation += 1;
    const generation = this.generation;
    const { trigger } = this;
    this.resetAll();
    const consumer = this.createConsumer(generation);
    this.consumer = consumer;
    this.setState(TriggerState.starting);
    this.markActive();
    try {
      await consumer.connect();
      await consumer.subscribe({
        topic: trigger.topic,
        fromBeginning: trigger.startingPosition === StartingPosition.trimHorizon,
      });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async (payload) => this.accept(generation, payload),
      });
    } catch (error) {
      if (generation === this.generation && !this.stopping) {
        this.down(`did not start: ${(error as Error).message}`, error);
      }
      throw error;
    }
  }

  /** Reports the trigger down, loudly, and schedules a fresh consumer after the backoff. */
  private down(reason: string, error?: unknown): void {
    if (this.stopping || this.state === TriggerState.down || this.state === TriggerState.refused) return;
    if (error !== undefined && isAuthorizationFailure(error)) {
      this.refuse(reason);
      return;
    }
    this.setState(TriggerState.down);
    this.failures += 1;
    const delayMs = restartDelayMs(this.failures, this.supervision);
    const { trigger } = this;
    this.options.log(
      `TRIGGER DOWN ${trigger.functionKey} <- ${trigger.topic} (group ${trigger.consumerGroupId}): ${reason}; restarting in ${(delayMs / 1000).toFixed(1)} s (attempt ${this.failures})`,
    );
    const old = this.consumer;
    this.generation += 1;
    this.resetAll();
    // The old consumer leaves now (its batch in flight stops at the next step, uncommitted);
    // the fresh one starts after the backoff.
    const left = withTimeout(old?.disconnect() ?? Promise.resolve(), DISCONNECT_TIMEOUT_MS).catch(
      () => undefined,
    );
    this.restartTimer = setTimeout(() => {
      void (async () => {
        await left;
        if (this.stopping) return;
        this.options.metrics.triggerRestarts.inc(this.labels);
        await this.launch().catch(() => undefined);
      })();
    }, delayMs);
  }

  /** An ACL refused the trigger's principal: report it once, leave the group, never restart. */
  private refuse(reason: string): void {
    this.setState(TriggerState.refused);
    this.generation += 1;
    this.resetAll();
    const { trigger } = this;
    this.options.log(
      `TRIGGER REFUSED ${trigger.functionKey} <- ${trigger.topic} (group ${trigger.consumerGroupId}): Kafka's ACLs refuse its principal (${reason}); not restarted: fix the ACLs (npm run stack:up derives them from serverless.yml) and restart sls offline`,
    );
    void withTimeout(this.consumer?.disconnect() ?? Promise.resolve(), DISCONNECT_TIMEOUT_MS).catch(
      () => undefined,
    );
  }

  /** Restarts a consumer that stalled (the kafkajs hangs that neither crash nor stop). */
  private watch(): void {
    const reason = stallOf(
      {
        state: this.state,
        lastActivityAt: this.lastActivityAt,
        invocationsInFlight: this.invocationsInFlight,
      },
      this.clock(),
      this.supervision,
    );
    if (reason !== null) this.down(reason);
  }

  /** Drops what every partition buffered; the next batch of each must start a chain (fetch-chain.ts). */
  private resetAll(): void {
    this.scheduler.reset();
    this.chains.reset();
  }

  /**
   * A fetched batch of a partition: handed to the scheduler and resolved, so that kafkajs fetches
   * what comes after it; committed only once invoked (a reset fetches it again). A batch that does
   * not continue its partition's chain starts a new one only if it was fetched at or before the
   * group's committed offset; a stale one (fetched before a rebalance) is neither taken nor resolved.
   */
  private async accept(generation: number, payload: EachBatchPayload): Promise<void> {
    if (generation !== this.generation || this.stopping) return;
    const { batch } = payload;
    const { partition } = batch;
    const last = batch.messages[batch.messages.length - 1];
    if (last === undefined) return;
    const fetchedOffset = fetchedOffsetOf(batch);
    this.trace(
      () => `accept ${partition} fetched@${fetchedOffset} ${batch.messages[0]?.offset}..${last.offset}`,
    );
    if (this.chains.classify(partition, fetchedOffset) === ChainStep.startsAnew) {
      const epoch = this.chains.epoch(partition);
      let committed: bigint | null | undefined = this.committed.get(partition);
      if (!mayStartChain(fetchedOffset, committed)) committed = await this.readCommitted(partition);
      // The group moved on while the committed offsets were read: this batch is of no use now.
      if (generation !== this.generation || this.stopping || this.chains.epoch(partition) !== epoch) return;
      if (committed === null || !mayStartChain(fetchedOffset, committed)) {
        this.options.log(
          `${this.trigger.functionKey}: a batch of ${this.trigger.topic}-${partition} fetched from offset ${fetchedOffset} was not taken (the group's committed offset is ${committed ?? 'unknown'}): fetched before a rebalance, it would skip records; they are fetched again`,
        );
        return;
      }
      this.scheduler.reset([partition]);
    }
    // The MSK event names serverless.yml's topic, as on AWS, whichever topic is read (a run's own).
    const eventTopic = this.trigger.eventTopic ?? this.trigger.topic;
    const records = batch.messages.map((message) => recordInputOf(eventTopic, partition, message));
    this.scheduler.add(partition, records);
    payload.resolveOffset(last.offset);
    this.chains.took(partition, BigInt(batch.lastOffset()));
  }

  /**
   * The group's committed offset of a partition, read from Kafka (every partition's is kept): -1
   * when the group has none, null when it cannot be read now (the batch is then not taken).
   */
  private async readCommitted(partition: number): Promise<bigint | null> {
    const { trigger } = this;
    this.admin ??= (async () => {
      const admin = this.options.kafka.admin();
      await admin.connect();
      return admin;
    })();
    const connecting = this.admin;
    try {
      const admin = await connecting;
      const [topic] = await admin.fetchOffsets({ groupId: trigger.consumerGroupId, topics: [trigger.topic] });
      for (const entry of topic?.partitions ?? []) this.noteCommitted(entry.partition, BigInt(entry.offset));
      return this.committed.get(partition) ?? -1n;
    } catch (error) {
      if (this.admin === connecting) this.admin = undefined;
      void connecting.then((admin) => admin.disconnect()).catch(() => undefined);
      this.options.log(
        `${trigger.functionKey}: the committed offsets of group ${trigger.consumerGroupId} could not be read: ${(error as Error).message}`,
      );
      return null;
    }
  }

  /** The group's committed offset of a partition is at least `offset` (it only moves forward). */
  private noteCommitted(partition: number, offset: bigint): void {
    if (offset > (this.committed.get(partition) ?? -1n)) this.committed.set(partition, offset);
  }

  /** A trace line (MSK_OFFLINE_TRACE=1), built only when tracing. */
  private trace(line: () => string): void {
    if (TRACE) this.options.log(`TRACE ${this.trigger.functionKey} ${line()}`);
  }

  /** Stops or resumes fetching a partition whose buffer holds two batches' worth. */
  private flow(partition: number, paused: boolean): void {
    const topics = [{ topic: this.trigger.topic, partitions: [partition] }];
    this.trace(() => `flow ${partition} paused=${paused}`);
    try {
      if (paused) this.consumer?.pause(topics);
      else this.consumer?.resume(topics);
    } catch {
      // A consumer not running (being replaced): the fresh one fetches every partition.
    }
  }

  /** Sleeps, waking early when the batch is no longer current. */
  private async sleep(ms: number, live: () => boolean): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until && live()) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(200, until - Date.now())));
    }
  }

  /** Commits a partition's offset; a failure leaves it to the next commit (records are delivered again, never skipped). */
  private async commit(partition: number, offset: string, live: () => boolean): Promise<void> {
    const consumer = this.consumer;
    if (consumer === undefined || !live()) return;
    try {
      await consumer.commitOffsets([{ topic: this.trigger.topic, partition, offset }]);
      this.noteCommitted(partition, BigInt(offset));
      this.trace(() => `committed ${partition}@${offset} live=${live()}`);
      this.markActive();
    } catch (error) {
      if (live()) {
        this.options.log(
          `${this.trigger.functionKey}: commit of ${this.trigger.topic}-${partition} at ${offset} failed, left to the next one: ${(error as Error).message}`,
        );
      }
    }
  }

  /** One partition's batch to its end: invocations, retries and on-failure as the policy says, commits. */
  private async runBatch({
    partition,
    records,
    current,
    acquire,
  }: ScheduledBatch<ConsumedRecord>): Promise<void> {
    const { trigger, options } = this;
    // Stopping, rebalanced away or a fresh consumer: leave the rest uncommitted, to be delivered again.
    const live = () => current() && !this.stopping;
    let run = startBatch(records, trigger.policy);
    let lastError = '';
    for (;;) {
      if (!live()) return;
      const step = nextBatchAction(run, this.clock());
      run = step.run;
      const { action } = step;
      this.trace(
        () =>
          `batch ${partition} ${records[0]?.offset}..${records.at(-1)?.offset} live=${live()} action=${action.type}${'records' in action ? ` ${action.records[0]?.offset}..${action.records.at(-1)?.offset}` : ''}${'offset' in action ? ` ${action.offset}` : ''}`,
      );
      if (action.type === 'done') return;
      if (action.type === 'commit') {
        await this.commit(partition, action.offset, live);
      } else if (action.type === 'dead-letter') {
        await this.sendOnFailure(action.records, action.condition, action.approximateInvokeCount, lastError);
      } else {
        await this.sleep(action.delayMs, live);
        if (!live()) return;
        const outcome = await this.invokeUntilAnswered(action.records, live, acquire);
        if (outcome === undefined) return;
        if (outcome.type !== 'success') {
          lastError =
            outcome.type === 'error' ? outcome.message : `partial batch failure from ${outcome.failedOffset}`;
          options.log(
            `${trigger.functionKey}: attempt ${action.attempt} of ${action.records.length} record(s) of ${trigger.topic}-${partition} failed: ${lastError}`,
          );
        }
        run = afterInvocation(run, outcome);
      }
    }
  }

  /** Invokes the function; while serverless-offline does not answer, waits (not a failure). */
  private async invokeUntilAnswered(
    records: readonly KafkaRecordInput[],
    live: () => boolean,
    acquire: () => Promise<() => void>,
  ): Promise<InvocationOutcome | undefined> {
    const { trigger, options } = this;
    const labels = { function: trigger.functionKey };
    const event = buildMskEvent({
      eventSourceArn: options.eventSourceArn,
      bootstrapServers: options.bootstrapServers,
      records,
    });
    while (live()) {
      const release = await acquire();
      if (!live()) {
        release();
        break;
      }
      const stopTimer = options.metrics.duration.startTimer(labels);
      this.invocationsInFlight += 1;
      try {
        const outcome = await options.invoke(trigger.functionName, event);
        stopTimer();
        options.metrics.invocations.inc(labels);
        options.metrics.batchSize.observe(labels, records.length);
        if (outcome.type !== 'success') options.metrics.errors.inc(labels);
        return outcome;
      } catch (error) {
        if (!(error instanceof InvokeUnavailableError)) throw error;
        release();
        await this.sleep(UNAVAILABLE_PAUSE_MS, live);
      } finally {
        release();
        this.invocationsInFlight -= 1;
        this.markActive();
      }
    }
    return undefined;
  }

  private async sendOnFailure(
    records: readonly KafkaRecordInput[],
    condition: Parameters<typeof buildOnFailureRecord>[0]['condition'],
    approximateInvokeCount: number,
    lastError: string,
  ): Promise<void> {
    const { trigger, options } = this;
    const first = records[0];
    options.metrics.onFailureRecords.inc(
      { function: trigger.functionKey, topic: trigger.topic, condition },
      records.length,
    );
    const destination = trigger.policy.onFailureTopic;
    if (destination === undefined || first === undefined) {
      options.log(
        `${trigger.functionKey}: ${records.length} record(s) dropped (${condition}, no on-failure destination)`,
      );
      return;
    }
    const record = buildOnFailureRecord({
      functionArn: localFunctionArn(options.region, trigger.functionName),
      condition,
      approximateInvokeCount,
      eventSourceArn: options.eventSourceArn,
      bootstrapServers: options.bootstrapServers,
      records,
      now: new Date(),
      ...(approximateInvokeCount > 0 ? { functionError: 'Unhandled' } : {}),
    });
    await options.producer.send({
      topic: destination,
      acks: -1,
      messages: [{ key: first.key, value: JSON.stringify(record) }],
    });
    options.log(
      `${trigger.functionKey}: ${records.length} record(s) of ${first.topic}-${first.partition} from offset ${String(first.offset)} sent to ${destination} (${condition}${lastError ? `: ${lastError}` : ''})`,
    );
  }
}
