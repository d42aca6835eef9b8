import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Pool } from 'pg';
import { parse } from 'yaml';
import { handleApiRequest, openApiDocument } from '../../lib/api';
import { Dependency } from '../../lib/api/constants';
import { DependencyUnavailableError } from '../../lib/api/errors';
import { postgresIdempotencyStore } from '../../lib/api/idempotency-store';
import { postgresReadModel } from '../../lib/api/queries';
import { gatewayRouteOf } from '../../lib/api/testing/requests';
import type { ApiRequest, BillingApiPorts } from '../../lib/api/types';
import { answerAppendedKeys } from '../../lib/api/unanswered-keys';
import { DeadLetterStatus, lettersOfRecord, type RetrySettings } from '../../lib/dead-letter';
import { receiveDeadLetters } from '../../lib/dead-letter/intake';
import { projectorOfTopic } from '../../lib/dead-letter/reapply';
import { replayLetter, retryDueLetters } from '../../lib/dead-letter/retrier';
import { MIN_LEASE_SECONDS } from '../../lib/dead-letter/schedule';
import { discardLetter, listLetters } from '../../lib/dead-letter/store';
import { KafkaEventStore } from '../../lib/kafka/event-store';
import { accountProjector, transactionProjector } from '../../lib/ledger';
import { buildMskEvent, decodeBillingMskEvent, decodeMskEvent } from '../../lib/msk';
import { type EventPublisher, eventStorePublisher } from '../../lib/outbox';
import { projectMskEvent } from '../../lib/projection/runner';
import type { TestDatabase } from '../../lib/projection/testing/database';
import { createTestDatabase } from '../../lib/projection/testing/database';
import type { TopicProjector } from '../../lib/projection/types';
import { transferSagaProjector } from '../../lib/saga/projector';
import {
  AccountEventType,
  type BillingEvent,
  headersOf,
  LATEST_SCHEMA_VERSION,
  partitionKeyOf,
  SagaEventType,
  TopicName,
  TransactionEventType,
  topicOfEventType,
} from '../../schemas';
import { buildOnFailureRecord, localFunctionArn } from '../offline/on-failure';
import { repoRoot } from '../stack/paths';
import { DbFault, DbFaultPlan, faultyPool } from './faulty-pool';
import {
  type CheckScope,
  checkSafety,
  type ExpectedLetter,
  Liveness,
  settledLetters,
  trackChanges,
  unansweredKeys,
  unfinishedTransfers,
  unpublishedOutbox,
  unsettledLetters,
  type Violation,
} from './invariants';
import { type LogRecord, type SendFault, SimLog, SimProducer } from './log';
import { PoisonKind, poisonRecord } from './poison';
import { Prng } from './prng';
import { comparisonDetail, RebuildMode, rebuildAndCompare } from './rebuild';

/** Every this many steps the check looks at every group, not only the changed ones (a cross-check). */
const FULL_CHECK_EVERY = 500;

/** The faults the simulation injects, each at a seeded rate; `--faults` / `--without` pick them. */
export const FaultKind = {
  /** A batch delivered again from an earlier offset (its records were processed already). */
  redelivery: 'redelivery',
  /** Two invocations of one partition's batch at the same time. */
  concurrent: 'concurrent',
  /** A consumer (or the retrier) frozen for many steps while the others go on. */
  lag: 'lag',
  /** A send failing after the batch committed: nothing written, or written with its ack lost. */
  publish: 'publish',
  /** A backend killed mid-transaction; injected deadlocks and serialization failures. */
  database: 'database',
  /** The clock jumping past the lease while two retriers and an operator act at once. */
  leaseRace: 'lease-race',
  /** Random operator replays and discards of letters. */
  operator: 'operator',
  /** Undecodable or hostile records on the billing topics and the dead-letter topic. */
  poison: 'poison',
  /** Events whose ids are upper case, written raw by a foreign producer (a new transfer, an existing topup or account). */
  upperCase: 'upper-case',
  /** A transfer credit leg that no debit of the saga asked for. */
  forgedCredit: 'forged-credit',
  /** An API client retrying a command with the same Idempotency-Key. */
  apiRetry: 'api-retry',
  /** Lambda giving up a failing batch (retries exhausted) to its on-failure destination. */
  giveUp: 'give-up',
  /** Movements and transfers for accounts whose opening comes much later, or never. */
  lateAccounts: 'late-accounts',
} as const;
export type FaultKind = (typeof FaultKind)[keyof typeof FaultKind];
export const ALL_FAULTS: readonly FaultKind[] = Object.values(FaultKind);

export interface SimulationOptions {
  readonly seed: number;
  readonly steps: number;
  readonly faults: ReadonlySet<FaultKind>;
  /** PostgreSQL server URL; a fresh database is created on it and dropped after the run. */
  readonly serverUrl?: string;
  /** Called every `progressEvery` steps. */
  readonly onProgress?: (progress: { readonly step: number; readonly stats: SimulationStats }) => void;
  readonly progressEvery?: number;
  /** How the rebuild after the liveness checks folds the log (default: the facts, as `npm run rebuild`). */
  readonly rebuildBy?: RebuildMode;
  /** Called with the live and the rebuilt read model before they are compared (tests corrupt one). */
  readonly beforeRebuildCompare?: (live: Pool, rebuilt: Pool) => Promise<void>;
}

export interface SimulationStats {
  steps: number;
  records: number;
  invocations: number;
  failedInvocations: number;
  apiRequests: number;
  retrierRuns: number;
  operatorActions: number;
  faultsInjected: number;
  letters: number;
  /** Steps after which the invariants were checked (those that ran a handler), and the time it took. */
  checks: number;
  checkMs: number;
  /** Time of the rebuild from the log and its comparison with the live read model. */
  rebuildMs: number;
}

export interface SimulationResult {
  readonly seed: number;
  readonly steps: number;
  readonly faults: readonly FaultKind[];
  /** The first violation: at a step (safety) or after the drain (liveness, step = steps + 1). */
  readonly violation?: Violation & { readonly step: number };
  readonly trace: readonly string[];
  readonly stats: SimulationStats;
  readonly durationMs: number;
}

/** The retry schedule of the simulation: few attempts, so letters settle within a run. */
const settingsOf = (maxAttempts: number, leaseMs: number): RetrySettings => ({
  maxAttempts,
  backoffBaseMs: 60_000,
  backoffCapMs: 600_000,
  leaseMs,
  batchSize: 20,
});

const logger = new Logger({ serviceName: 'billing-sim', logLevel: 'SILENT' });

type ConsumerName = 'account-projector' | 'transaction-projector' | 'transfer-saga' | 'dead-letter';

interface Consumer {
  readonly name: ConsumerName;
  readonly topic: TopicName;
  readonly projector?: TopicProjector;
  /** serverless.yml function name: its role's topics, its ARN in on-failure records. */
  readonly functionName: string;
  readonly positions: number[];
  /** Consecutive failures at the committed offset, per partition, and the last error. */
  readonly failures: Map<number, { count: number; error: string }>;
  frozenUntil: number;
}

/** The topics each function's role may write (serverless.yml `kafkaProduces`). */
export function producedTopics(): Readonly<Record<string, ReadonlySet<string>>> {
  const config = parse(readFileSync(join(repoRoot, 'serverless.yml'), 'utf8')) as {
    functions: Record<string, { kafkaProduces?: string[] }>;
  };
  return Object.fromEntries(
    Object.entries(config.functions).map(([name, fn]) => [name, new Set(fn.kafkaProduces ?? [])]),
  );
}

const errorText = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const causes: string[] = [error.message];
  let cause: unknown = error.cause;
  while (cause instanceof Error && causes.length < 4) {
    causes.push(cause.message);
    cause = cause.cause;
  }
  const failures = (error as { failures?: unknown[] }).failures;
  if (Array.isArray(failures) && failures[0] instanceof Error) causes.push(errorText(failures[0]));
  return causes.join(': ').replace(/\s+/g, ' ').slice(0, 300);
};

const short = (id: string) => id.slice(0, 8);

/**
 * One seeded run: a fresh database, the in-process log, the real handlers and faults, the
 * invariants after every step, then the drain and the liveness checks.
 */
export class Simulation {
  readonly #options: SimulationOptions;
  readonly #prng: Prng;
  readonly #log = new SimLog();
  readonly #plan = new DbFaultPlan();
  readonly #trace: string[] = [];
  readonly #stats: SimulationStats = {
    steps: 0,
    records: 0,
    invocations: 0,
    failedInvocations: 0,
    apiRequests: 0,
    retrierRuns: 0,
    operatorActions: 0,
    faultsInjected: 0,
    letters: 0,
    checks: 0,
    checkMs: 0,
    rebuildMs: 0,
  };
  #clock = Date.UTC(2026, 0, 1, 9, 0, 0);
  #step = 0;
  /** Whether the step ran a handler (a consumer, the retrier, the operator): the read model may have changed. */
  #touched = false;
  #leaseMs = 300_000;
  /** Attempts per letter, drawn per seed: with 2, every retry of a letter is its last. */
  #maxAttempts = 3;
  #retrierFrozenUntil = 0;
  #database!: TestDatabase;
  #systemPool!: Pool;
  #pool!: Pool;
  #producers!: Record<string, SimProducer>;
  #publishers!: Record<string, EventPublisher>;
  #apiStore!: KafkaEventStore;
  #ports!: BillingApiPorts;
  #consumers!: Consumer[];
  #expectedLetters: ExpectedLetter[] = [];
  /** Letters seen resolved or discarded (by a check, or while a race ran): final from then on. */
  readonly #settled = new Map<string, string>();
  readonly #accounts: string[] = [];
  readonly #lateAccounts: string[] = [];
  readonly #topups: { accountId: string; transactionId: string }[] = [];
  readonly #transfers: string[] = [];

  constructor(options: SimulationOptions) {
    this.#options = options;
    this.#prng = new Prng(options.seed);
    this.#maxAttempts = this.#prng.pick([2, 3]);
  }

  #on(kind: FaultKind): boolean {
    return this.#options.faults.has(kind);
  }

  /** Draws a fault decision whether or not the kind is enabled, so the stream stays aligned. */
  #fault(kind: FaultKind, probability: number): boolean {
    const roll = this.#prng.chance(probability);
    if (roll && this.#on(kind)) {
      this.#stats.faultsInjected += 1;
      return true;
    }
    return false;
  }

  get #now(): Date {
    return new Date(this.#clock);
  }

  async run(): Promise<SimulationResult> {
    const started = Date.now();
    await this.#setUp();
    let violation: (Violation & { step: number }) | undefined;
    try {
      for (this.#step = 1; this.#step <= this.#options.steps; this.#step++) {
        await this.#stepOnce();
        this.#stats.steps = this.#step;
        this.#stats.records = this.#log.totalRecords;
        // A step that ran no handler changed none of the checked tables: they hold as after the last check.
        if (this.#touched) {
          this.#touched = false;
          this.#stats.checks += 1;
          const checkStarted = performance.now();
          const broken = await this.#checkSafety(this.#step % FULL_CHECK_EVERY === 0 ? 'all' : 'changed');
          this.#stats.checkMs += performance.now() - checkStarted;
          if (broken) {
            violation = { ...broken, step: this.#step };
            break;
          }
        }
        if (this.#options.onProgress && this.#step % (this.#options.progressEvery ?? 1000) === 0)
          this.#options.onProgress({ step: this.#step, stats: this.#stats });
      }
      if (!violation) {
        this.#step = this.#options.steps + 1;
        const broken = (await this.#drain()) ?? (await this.#liveness()) ?? (await this.#rebuild());
        if (broken) violation = { ...broken, step: this.#step };
      }
    } finally {
      await this.#tearDown();
    }
    return {
      seed: this.#options.seed,
      steps: this.#options.steps,
      faults: [...this.#options.faults],
      ...(violation ? { violation } : {}),
      trace: this.#trace,
      stats: this.#stats,
      durationMs: Date.now() - started,
    };
  }

  async #setUp(): Promise<void> {
    this.#database = await createTestDatabase('billing_sim', this.#options.serverUrl);
    await trackChanges(this.#database.pool);
    this.#systemPool = new Pool({ connectionString: this.#database.url, max: 8 });
    this.#systemPool.on('error', () => undefined);
    this.#pool = faultyPool(this.#systemPool, this.#database.pool, this.#plan);
    const roles = producedTopics();
    const clock = () => this.#clock;
    const producer = (name: string, functionName: string | undefined) =>
      new SimProducer(
        this.#log,
        name,
        functionName === undefined ? new Set(Object.values(TopicName)) : (roles[functionName] ?? new Set()),
        clock,
      );
    this.#producers = {
      'account-projector': producer('account-projector', 'accountProjector'),
      'transaction-projector': producer('transaction-projector', 'transactionProjector'),
      'transfer-saga': producer('transfer-saga', 'transferSaga'),
      retrier: producer('dead-letter-retrier', 'deadLetterRetrier'),
      // The operator's CLI runs with the operator's own credentials.
      operator: producer('dlq operator', undefined),
      api: producer('billing-api', 'billingApi'),
      // Other producers of the organisation (account opening by a back office, partners).
      external: producer('external producer', undefined),
    };
    for (const port of Object.values(this.#producers))
      port.onFailure = (reason) => this.#record(`send failed: ${reason}`);
    this.#publishers = Object.fromEntries(
      Object.entries(this.#producers).map(([name, port]) => [
        name,
        eventStorePublisher(new KafkaEventStore({ producer: port, logger })),
      ]),
    );
    this.#apiStore = new KafkaEventStore({ producer: this.#producers.api as SimProducer, logger });
    const pool = async () => this.#database.pool;
    this.#ports = {
      readModel: postgresReadModel(pool),
      idempotency: postgresIdempotencyStore(pool),
      events: {
        // As BillingApiResources: a cluster that cannot take the event is a 503.
        append: async (event) => {
          try {
            return await this.#apiStore.append(event);
          } catch (error) {
            throw new DependencyUnavailableError(Dependency.kafka, 'Kafka did not take the event', {
              cause: error,
            });
          }
        },
      },
    };
    const consumer = (
      name: ConsumerName,
      topic: TopicName,
      functionName: string,
      projector?: TopicProjector,
    ): Consumer => ({
      name,
      topic,
      functionName,
      ...(projector ? { projector } : {}),
      positions: Array.from({ length: this.#log.partitionsOf(topic) }, () => 0),
      failures: new Map(),
      frozenUntil: 0,
    });
    this.#consumers = [
      consumer('account-projector', TopicName.accountEvents, 'accountProjector', accountProjector),
      consumer(
        'transaction-projector',
        TopicName.transactionEvents,
        'transactionProjector',
        transactionProjector,
      ),
      consumer('transfer-saga', TopicName.sagaEvents, 'transferSaga', transferSagaProjector),
      consumer('dead-letter', TopicName.deadLetter, 'deadLetter'),
    ];
  }

  async #tearDown(): Promise<void> {
    await this.#systemPool?.end().catch(() => undefined);
    await this.#database?.drop().catch(() => undefined);
  }

  /**
   * The safety invariants now, over the groups changed since the last check (over all of them
   * every FULL_CHECK_EVERY steps and after the drain); then the letters settled so far become final
   * for the next checks.
   */
  async #checkSafety(scope: CheckScope = 'all'): Promise<Violation | undefined> {
    const settled = [...this.#settled].map(([id, status]) => ({ id, status }));
    const broken = await checkSafety(this.#database.pool, this.#takeExpectedLetters(), settled, scope);
    if (!broken) await this.#observeSettled();
    return broken;
  }

  async #observeSettled(): Promise<void> {
    for (const letter of await settledLetters(this.#database.pool))
      if (!this.#settled.has(letter.id)) this.#settled.set(letter.id, letter.status);
  }

  #takeExpectedLetters(): ExpectedLetter[] {
    const taken = this.#expectedLetters;
    this.#expectedLetters = [];
    return taken;
  }

  #record(line: string): void {
    // Control characters (a NUL quoted by an error) escaped, so the trace stays text.
    let text = '';
    for (const char of line) {
      const code = char.charCodeAt(0);
      text += code < 0x20 || code === 0x7f ? `\\u${code.toString(16).padStart(4, '0')}` : char;
    }
    this.#trace.push(`${this.#step} ${text}`);
  }

  // ---- one step -------------------------------------------------------------------------------

  async #stepOnce(): Promise<void> {
    this.#clock += this.#prng.between(50, 2_000);
    // The step's fault plan: one database fault at a query, one producer fault at a send.
    if (this.#fault(FaultKind.database, 0.04)) {
      const kind = this.#prng.pick([DbFault.kill, DbFault.deadlock, DbFault.serialization]);
      const at = this.#prng.between(1, 14);
      this.#plan.arm(kind, at);
      this.#record(`fault: ${kind} at query ${at}`);
    }
    // A send of the step's handler (whichever consumer, retrier or operator runs) fails after its commit.
    if (this.#fault(FaultKind.publish, 0.08)) {
      const fault: SendFault = this.#prng.chance(0.5) ? 'refused' : 'ack-lost';
      for (const name of [
        'account-projector',
        'transaction-projector',
        'transfer-saga',
        'retrier',
        'operator',
      ])
        this.#producers[name]?.faults.push(fault);
      this.#record(`fault: the handler's next send ${fault}`);
    }
    if (this.#fault(FaultKind.publish, 0.04)) {
      const fault: SendFault = this.#prng.chance(0.5) ? 'refused' : 'ack-lost';
      this.#producers.api?.faults.push(fault);
      this.#record(`fault: the API's next send ${fault}`);
    }
    // The last tenth of the run is a quiet tail: the clients stop, the faults go on, so some
    // partitions see no batch any more (what is left for "the partition's next batch" waits for good).
    const busy = this.#step <= this.#options.steps * 0.9 ? 1 : 0;
    const action = this.#prng.weighted({
      api: 26 * busy,
      late: this.#on(FaultKind.lateAccounts) ? 6 * busy : 0,
      invoke: 50,
      retrier: busy ? 5 : 15,
      operator: this.#on(FaultKind.operator) ? 4 : 0,
      poison: this.#on(FaultKind.poison) ? 2 * busy : 0,
      upperCase: this.#on(FaultKind.upperCase) ? 1 * busy : 0,
      forgedCredit: this.#on(FaultKind.forgedCredit) ? 0.5 * busy : 0,
      clock: 2,
      lag: this.#on(FaultKind.lag) ? 1 : 0,
    });
    try {
      switch (action) {
        case 'api':
          await this.#api();
          break;
        case 'late':
          await this.#late();
          break;
        case 'invoke':
          await this.#invoke(this.#pickConsumer());
          break;
        case 'retrier':
          await this.#retrier();
          break;
        case 'operator':
          await this.#operator();
          break;
        case 'poison':
          this.#poison();
          break;
        case 'upperCase':
          await this.#upperCase();
          break;
        case 'forgedCredit':
          await this.#forgedCredit();
          break;
        case 'clock': {
          const by = this.#prng.between(60_000, 2 * 86_400_000);
          this.#clock += by;
          this.#record(`clock +${Math.round(by / 1000)}s`);
          break;
        }
        case 'lag': {
          // Any consumer, the retrier (the consumer of letters) included.
          const index = this.#prng.int(this.#consumers.length + 1);
          const consumer = this.#consumers[index];
          const steps = this.#prng.between(5, 400);
          if (consumer) consumer.frozenUntil = this.#step + steps;
          else this.#retrierFrozenUntil = this.#step + steps;
          this.#record(`lag: ${consumer?.name ?? 'dead-letter-retrier'} frozen for ${steps} steps`);
          break;
        }
        default: {
          const never: never = action;
          throw new Error(`unknown action ${String(never)}`);
        }
      }
    } finally {
      this.#plan.disarm();
      for (const producer of Object.values(this.#producers)) producer.faults.length = 0;
    }
  }

  // ---- the API and other producers ------------------------------------------------------------

  async #request(
    method: string,
    path: string,
    body: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const key = this.#prng.uuid();
    const request: ApiRequest = {
      method,
      path,
      // The simulation speaks in paths; API Gateway's routing gives the function the route key.
      ...gatewayRouteOf(method, path),
      query: {},
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
      principal: 'sim-client',
      // Acts on every account, late ones opened by raw AccountOpened (no owner) included.
      operator: true,
    };
    const send = async () => {
      this.#stats.apiRequests += 1;
      const response = await handleApiRequest(
        request,
        this.#ports,
        { now: this.#now, randomId: () => this.#prng.uuid() },
        openApiDocument,
      );
      return {
        status: response.statusCode,
        body: JSON.parse(response.body || '{}') as Record<string, unknown>,
      };
    };
    let answer = await send();
    // A client that got no answer (or a 503) tries again with the same Idempotency-Key.
    const retries = this.#fault(FaultKind.apiRetry, answer.status === 503 ? 0.9 : 0.15)
      ? this.#prng.between(1, 2)
      : 0;
    for (let attempt = 0; attempt < retries; attempt++) {
      const again = await send();
      if (answer.status === 202 && again.status !== 202)
        throw new Error(`API retry with the same Idempotency-Key answered ${again.status} after 202`);
      if (answer.status === 202 && again.body.eventId !== answer.body.eventId)
        throw new Error('API retry with the same Idempotency-Key appended another event');
      answer = again;
    }
    this.#record(
      `api ${method} ${path} -> ${answer.status}${retries > 0 ? ` (${retries} retries, same key)` : ''}`,
    );
    return answer;
  }

  #amount(max: number): { minorUnits: string; currency: 'EUR' } {
    return { minorUnits: String(this.#prng.between(1, max)), currency: 'EUR' };
  }

  async #api(): Promise<void> {
    // Few accounts: some partitions stay quiet, as they do in production between bursts.
    const count = this.#accounts.length;
    const command = this.#prng.weighted({
      open: count < 4 ? 10 : count < 12 ? 1 : 0.1,
      topup: 6,
      withdraw: 2,
      refund: 1,
      transfer: 5,
      status: 0.7,
    });
    if (command === 'open' || this.#accounts.length < 2) {
      const currency = this.#prng.chance(0.9) ? 'EUR' : 'USD';
      const answer = await this.#request('POST', '/accounts', { customerId: this.#prng.uuid(), currency });
      if (answer.status === 202 && typeof answer.body.accountId === 'string')
        this.#accounts.push(answer.body.accountId);
      return;
    }
    const account = this.#prng.pick(this.#accounts);
    switch (command) {
      case 'topup': {
        const answer = await this.#request('POST', `/accounts/${account}/topups`, {
          amount: this.#amount(50_000),
        });
        if (answer.status === 202 && typeof answer.body.transactionId === 'string')
          this.#topups.push({ accountId: account, transactionId: answer.body.transactionId });
        return;
      }
      case 'withdraw':
        await this.#request('POST', `/accounts/${account}/withdrawals`, { amount: this.#amount(20_000) });
        return;
      case 'refund': {
        const topup = this.#topups.length > 0 ? this.#prng.pick(this.#topups) : undefined;
        if (!topup) return;
        await this.#request('POST', `/accounts/${topup.accountId}/refunds`, {
          amount: this.#amount(10_000),
          originalTransactionId: topup.transactionId,
          reason: 'Duplicate charge',
        });
        return;
      }
      case 'transfer': {
        const to = this.#prng.pick(this.#accounts.filter((id) => id !== account));
        const answer = await this.#request('POST', '/transfers', {
          fromAccountId: account,
          toAccountId: to,
          amount: this.#amount(20_000),
        });
        if (answer.status === 202 && typeof answer.body.transferId === 'string') {
          this.#transfers.push(answer.body.transferId);
          this.#record(`  transfer ${short(answer.body.transferId)}: ${short(account)} -> ${short(to)}`);
        }
        return;
      }
      case 'status': {
        const status = this.#prng.weighted({ suspended: 3, active: 4, closed: 0.5 });
        await this.#request('POST', `/accounts/${account}/status`, { status, reason: 'customer request' });
        return;
      }
      default:
        return;
    }
  }

  #envelope(aggregateId: string) {
    const eventId = this.#prng.uuid();
    return {
      eventId,
      schemaVersion: LATEST_SCHEMA_VERSION,
      aggregateId,
      occurredAt: this.#now.toISOString(),
      correlationId: this.#prng.uuid(),
      causationId: eventId,
    };
  }

  /** Appends events as another producer would: through the event store (validated, keyed). */
  async #appendExternal(events: readonly BillingEvent[]): Promise<string> {
    try {
      await this.#publishers.external?.publish(events);
      return 'appended';
    } catch (error) {
      return `refused (${errorText(error)})`;
    }
  }

  /**
   * Appends events as a producer that does not use our event store would (another team's client):
   * the JSON as written, keyed by the event's partition key as given, headers as the store writes them.
   */
  #appendRaw(events: readonly BillingEvent[]): string {
    const places = events.map((event) => {
      const appended = this.#log.append({
        topic: topicOfEventType(event.eventType),
        key: Buffer.from(partitionKeyOf(event)),
        value: Buffer.from(JSON.stringify(event)),
        headers: Object.entries(headersOf(event)).map(([key, value]) => ({ key, value: Buffer.from(value) })),
        timestamp: this.#clock,
      });
      return `${appended.topic}-${appended.partition}@${appended.offset}`;
    });
    return `appended raw at ${places.join(', ')}`;
  }

  /** Accounts opened late or never: transfers and topups for them wait as deferred letters. */
  async #late(): Promise<void> {
    const choice = this.#prng.weighted({ reserve: 3, topup: 2, open: 2 });
    if (choice === 'open' && this.#lateAccounts.length > 0) {
      const accountId = this.#lateAccounts.splice(this.#prng.int(this.#lateAccounts.length), 1)[0] as string;
      const result = await this.#appendExternal([
        {
          ...this.#envelope(accountId),
          eventType: AccountEventType.accountOpened,
          payload: { accountId, customerId: this.#prng.uuid(), currency: 'EUR' },
        },
      ]);
      this.#accounts.push(accountId);
      this.#record(`late: AccountOpened ${short(accountId)} ${result}`);
      return;
    }
    if (choice === 'topup' && this.#lateAccounts.length > 0) {
      const accountId = this.#prng.pick(this.#lateAccounts);
      const transactionId = this.#prng.uuid();
      const result = await this.#appendExternal([
        {
          ...this.#envelope(transactionId),
          eventType: TransactionEventType.topupRequested,
          payload: { transactionId, accountId, amount: this.#amount(30_000) },
        },
      ]);
      this.#topups.push({ accountId, transactionId });
      this.#record(`late: topup of not-yet-open ${short(accountId)} ${result}`);
      return;
    }
    if (this.#accounts.length === 0) return;
    const accountId = this.#prng.uuid();
    this.#lateAccounts.push(accountId);
    const from = this.#prng.pick(this.#accounts);
    const transferId = this.#prng.uuid();
    const result = await this.#appendExternal([
      {
        ...this.#envelope(transferId),
        eventType: SagaEventType.transferRequested,
        payload: { transferId, fromAccountId: from, toAccountId: accountId, amount: this.#amount(5_000) },
      },
    ]);
    this.#transfers.push(transferId);
    this.#record(
      `late: transfer ${short(transferId)} ${short(from)} -> not-yet-open ${short(accountId)} ${result}`,
    );
  }

  #poison(): void {
    const kind = this.#prng.pick(Object.values(PoisonKind));
    const topic = this.#prng.weighted({
      [TopicName.transactionEvents]: 5,
      [TopicName.accountEvents]: 2,
      [TopicName.sagaEvents]: 2,
      [TopicName.deadLetter]: 1,
    } as Record<TopicName, number>);
    const accountId = this.#accounts.length > 0 ? this.#prng.pick(this.#accounts) : this.#prng.uuid();
    const record = poisonRecord(kind, topic, {
      accountId,
      otherAccountId: this.#prng.uuid(),
      id: () => this.#prng.uuid(),
      now: this.#now.toISOString(),
    });
    const appended = this.#log.append({ ...record, timestamp: this.#clock });
    this.#record(`poison: ${kind} on ${topic}-${appended.partition}@${appended.offset}`);
  }

  async #upperCase(): Promise<void> {
    const choice = this.#prng.weighted({ transfer: 2, topup: 1, account: 1 });
    if (choice === 'transfer' && this.#accounts.length >= 2) {
      const from = this.#prng.pick(this.#accounts);
      const to = this.#prng.pick(this.#accounts.filter((id) => id !== from));
      const transferId = this.#prng.uuid().toUpperCase();
      const result = this.#appendRaw([
        {
          ...this.#envelope(transferId),
          eventType: SagaEventType.transferRequested,
          payload: { transferId, fromAccountId: from, toAccountId: to, amount: this.#amount(2_000) },
        },
      ]);
      this.#record(`upper-case: transfer ${transferId.slice(0, 8)} ${short(from)} -> ${short(to)} ${result}`);
      return;
    }
    if (choice === 'topup' && this.#topups.length > 0) {
      const topup = this.#prng.pick(this.#topups);
      const transactionId = topup.transactionId.toUpperCase();
      const result = this.#appendRaw([
        {
          ...this.#envelope(transactionId),
          eventType: TransactionEventType.topupRequested,
          payload: { transactionId, accountId: topup.accountId, amount: this.#amount(1_000) },
        },
      ]);
      this.#record(`upper-case: topup reusing ${transactionId.slice(0, 8)} in upper case ${result}`);
      return;
    }
    if (this.#accounts.length > 0) {
      const accountId = this.#prng.pick(this.#accounts).toUpperCase();
      const result = this.#appendRaw([
        {
          ...this.#envelope(accountId),
          eventType: AccountEventType.accountOpened,
          payload: { accountId, customerId: this.#prng.uuid(), currency: 'EUR' },
        },
      ]);
      this.#record(
        `upper-case: AccountOpened ${accountId.slice(0, 8)} (an open account, upper case) ${result}`,
      );
    }
  }

  async #forgedCredit(): Promise<void> {
    if (this.#accounts.length < 2) return;
    const accountId = this.#prng.pick(this.#accounts);
    const counterpartyAccountId = this.#prng.pick(this.#accounts.filter((id) => id !== accountId));
    const existing = this.#transfers.length > 0 && this.#prng.chance(0.5);
    const transferId = existing ? this.#prng.pick(this.#transfers) : this.#prng.uuid();
    const transactionId = this.#prng.uuid();
    const result = await this.#appendExternal([
      {
        ...this.#envelope(transactionId),
        eventType: TransactionEventType.transferCreditRequested,
        payload: {
          transactionId,
          accountId,
          amount: this.#amount(3_000),
          transferId,
          counterpartyAccountId,
        },
      },
    ]);
    this.#record(
      `forged credit: ${short(accountId)} for ${existing ? 'existing' : 'unknown'} transfer ${short(transferId)} ${result}`,
    );
  }

  // ---- consumers ------------------------------------------------------------------------------

  #pickConsumer(): Consumer {
    const name = this.#prng.weighted({
      'account-projector': 2,
      'transaction-projector': 4,
      'transfer-saga': 3,
      'dead-letter': 1,
    } as Record<ConsumerName, number>);
    return this.#consumers.find((consumer) => consumer.name === name) as Consumer;
  }

  #pending(consumer: Consumer): number[] {
    return consumer.positions.flatMap((position, partition) =>
      position < this.#log.end(consumer.topic, partition) ? [partition] : [],
    );
  }

  /** Runs a consumer's handler on an MSK event of `records` (the real builder and decoders). */
  async #handle(consumer: Consumer, records: readonly LogRecord[]): Promise<void> {
    this.#touched = true;
    const event = JSON.parse(
      JSON.stringify(
        buildMskEvent({ eventSourceArn: `sim:${consumer.name}`, bootstrapServers: [], records }),
      ),
    ) as unknown;
    this.#stats.invocations += 1;
    if (consumer.projector) {
      await projectMskEvent(
        decodeBillingMskEvent(event),
        {
          pool: this.#pool,
          publisher: this.#publishers[consumer.name] as EventPublisher,
          projector: consumer.projector,
        },
        { now: this.#now.toISOString(), logger },
      );
      return;
    }
    const random = new Prng(this.#options.seed ^ (this.#step * 7919));
    const report = await receiveDeadLetters(
      event,
      { pool: this.#pool },
      {
        now: this.#now,
        settings: settingsOf(this.#maxAttempts, this.#leaseMs),
        random: () => random.next(),
        logger,
      },
    );
    this.#stats.letters += report.stored;
  }

  /** Commits a consumer past records it handled; the dead-letter consumer's letters become expected. */
  #commit(consumer: Consumer, partition: number, records: readonly LogRecord[]): void {
    const last = records.at(-1);
    if (!last) return;
    const before = consumer.positions[partition] ?? 0;
    if (last.offset + 1 <= before) return;
    consumer.positions[partition] = last.offset + 1;
    consumer.failures.delete(partition);
    if (consumer.name !== 'dead-letter') return;
    const fresh = records.filter((record) => record.offset >= before);
    const decoded = decodeMskEvent(
      JSON.parse(
        JSON.stringify(buildMskEvent({ eventSourceArn: 'sim', bootstrapServers: [], records: fresh })),
      ),
      ({ value }) => ({ ok: true, event: value }),
    );
    for (const batch of decoded.partitions) {
      for (const record of batch.records) {
        for (const letter of lettersOfRecord(record.origin)) {
          this.#expectedLetters.push({
            topic: letter.source.topic,
            partition: letter.source.partition,
            record_offset: letter.source.offset,
            letter_offset: Number(record.origin.offset),
          });
        }
      }
    }
  }

  async #invoke(consumer: Consumer, options: { readonly drain?: boolean } = {}): Promise<boolean> {
    const pending = this.#pending(consumer);
    const frozen = !options.drain && consumer.frozenUntil > this.#step;
    const redeliver = !options.drain && this.#fault(FaultKind.redelivery, 0.08);
    const concurrent = !options.drain && this.#fault(FaultKind.concurrent, 0.06);
    const giveUp = !options.drain && this.#fault(FaultKind.giveUp, 0.4);
    const batchSize = options.drain ? 100 : this.#prng.pick([1, 2, 5, 20, 100]);
    if (frozen) {
      this.#record(`${consumer.name}: lagging, not invoked`);
      return false;
    }
    const candidates = redeliver
      ? consumer.positions.flatMap((position, partition) => (position > 0 ? [partition] : []))
      : pending;
    if (candidates.length === 0) return false;
    const partition = this.#prng.pick(candidates);
    const committed = consumer.positions[partition] ?? 0;
    const from = redeliver ? Math.max(0, committed - this.#prng.between(1, 10)) : committed;
    const records = this.#log.read(consumer.topic, partition, from, batchSize);
    const where = `${consumer.topic}-${partition}@${from}..${from + records.length - 1}`;
    try {
      if (concurrent) {
        const other = this.#log.read(
          consumer.topic,
          partition,
          Math.max(0, from - this.#prng.between(0, 3)),
          batchSize,
        );
        const outcomes = await Promise.allSettled([
          this.#handle(consumer, records),
          this.#handle(consumer, other),
        ]);
        const failed = outcomes.find((outcome) => outcome.status === 'rejected');
        if (failed) throw (failed as PromiseRejectedResult).reason;
      } else {
        await this.#handle(consumer, records);
      }
      this.#commit(consumer, partition, records);
      this.#record(
        `${consumer.name} ${where}${redeliver ? ' (redelivered)' : ''}${concurrent ? ' (two at once)' : ''}: ok`,
      );
      return true;
    } catch (error) {
      this.#stats.failedInvocations += 1;
      const failure = consumer.failures.get(partition) ?? { count: 0, error: '' };
      failure.count += 1;
      failure.error = errorText(error);
      consumer.failures.set(partition, failure);
      this.#record(`${consumer.name} ${where}: failed (${failure.error})`);
      if (giveUp && consumer.projector && !redeliver)
        this.#onFailureDestination(consumer, partition, records, failure.count);
      return false;
    }
  }

  /** Lambda's retries exhausted: the batch goes to billing.dead-letter as an on-failure record. */
  #onFailureDestination(
    consumer: Consumer,
    partition: number,
    records: readonly LogRecord[],
    invocations: number,
  ): void {
    const record = buildOnFailureRecord({
      functionArn: localFunctionArn('eu-west-1', `billing-sim-${consumer.functionName}`),
      condition: 'RetriesExhausted',
      approximateInvokeCount: invocations,
      eventSourceArn: `sim:${consumer.name}`,
      bootstrapServers: [],
      records,
      now: this.#now,
      functionError: 'Unhandled',
      requestId: this.#prng.uuid(),
    });
    const appended = this.#log.append({
      topic: TopicName.deadLetter,
      key: null,
      value: Buffer.from(JSON.stringify(record)),
      headers: [],
      timestamp: this.#clock,
    });
    this.#commit(consumer, partition, records);
    this.#record(
      `${consumer.name} ${consumer.topic}-${partition}: retries exhausted, on-failure record at billing.dead-letter@${appended.offset}`,
    );
  }

  // ---- the retrier and the operator ---------------------------------------------------------

  #retrierContext(now: Date) {
    const random = new Prng((this.#options.seed * 31 + this.#step) >>> 0);
    return {
      now,
      settings: settingsOf(this.#maxAttempts, this.#leaseMs),
      random: () => random.next(),
      logger,
    };
  }

  async #retryOnce(now: Date, label: string): Promise<string> {
    this.#touched = true;
    this.#stats.retrierRuns += 1;
    try {
      const report = await retryDueLetters(
        { pool: this.#pool, publisher: this.#publishers.retrier as EventPublisher },
        this.#retrierContext(now),
      );
      // As the retrier function: then the keys whose event is in the log get their answer.
      const answeredKeys = await answerAppendedKeys(
        this.#pool,
        Object.values(projectorOfTopic).map((projector) => projector.name),
        { now },
      );
      return `${label}: attempted ${report.attempted}, resolved ${report.resolved}, parked ${report.parked}, errors ${report.errors}${answeredKeys > 0 ? `, ${answeredKeys} key(s) answered` : ''}`;
    } catch (error) {
      return `${label}: failed (${errorText(error)})`;
    }
  }

  async #retrier(): Promise<void> {
    this.#leaseMs = this.#prng.pick([MIN_LEASE_SECONDS * 1_000, 60_000, 300_000]);
    if (this.#retrierFrozenUntil > this.#step) {
      this.#record('dead-letter-retrier: lagging, not run');
      return;
    }
    if (this.#fault(FaultKind.leaseRace, 0.5)) {
      // Two retriers and an operator at once, the second retrier's clock past the first's lease.
      const start = this.#clock;
      const letter = await this.#pickLetter();
      // Retrier A claims first; B starts once A holds its letters (B's clock is past A's lease, as a
      // run a minute later while A is still busy). While they run, letters are watched after every
      // commit: one settled mid-race must stay settled.
      let claimed: () => void = () => undefined;
      const aHasClaimed = new Promise<void>((resolve) => {
        claimed = resolve;
      });
      this.#plan.afterQuery = async (text) => {
        if (text.includes('FOR UPDATE SKIP LOCKED')) claimed();
        if (text === 'COMMIT') await this.#observeSettled();
      };
      const a = this.#retryOnce(new Date(start), 'retrier A').finally(claimed);
      await aHasClaimed;
      const results = await Promise.all([
        a,
        this.#retryOnce(new Date(start + this.#leaseMs + 1), 'retrier B'),
        letter
          ? this.#replay(letter, new Date(start + this.#leaseMs + 2))
          : Promise.resolve('operator: no letter'),
      ]).finally(() => {
        this.#plan.afterQuery = undefined;
      });
      this.#clock = start + this.#leaseMs + 2;
      this.#record(`lease race (lease ${this.#leaseMs / 1000}s): ${results.join('; ')}`);
      return;
    }
    this.#record(await this.#retryOnce(this.#now, `retrier (lease ${this.#leaseMs / 1000}s)`));
  }

  async #pickLetter(): Promise<{ readonly id: string; readonly label: string } | undefined> {
    const which = this.#prng.weighted({ parked: 4, open: 4, any: 2 });
    const { rows } = await this.#database.pool.query<{ id: string; label: string }>(
      `SELECT id, left(id::text, 8) || ' (' || status || ', ' || source_topic || '-' || source_partition || '@' || source_offset
              || ', ' || failure_code || ')' AS label FROM dead_letters
        WHERE $1 = 'any' OR ($1 = 'parked' AND status = 'parked') OR ($1 = 'open' AND status IN ('received', 'retrying'))
        ORDER BY received_at, id LIMIT 200`,
      [which],
    );
    if (rows.length === 0) return undefined;
    return this.#prng.pick(rows);
  }

  async #replay(letter: { readonly id: string; readonly label: string }, now: Date): Promise<string> {
    this.#touched = true;
    this.#stats.operatorActions += 1;
    try {
      const { result } = await replayLetter(
        letter.id,
        { pool: this.#pool, publisher: this.#publishers.operator as EventPublisher },
        { ...this.#retrierContext(now), by: 'sim-operator' },
      );
      return `operator replay ${letter.label}: ${result}`;
    } catch (error) {
      return `operator replay ${letter.label}: failed (${errorText(error)})`;
    }
  }

  /**
   * `npm run dlq -- replay --all` as docs/dead-letters.md shows it: every parked letter, or every
   * ACCOUNT_NOT_FOUND one (the first 50 during the run; all of them in the drain).
   */
  async #replayAll(drain?: {
    readonly status: DeadLetterStatus;
    readonly sendsFailing: boolean;
  }): Promise<void> {
    const byCode = drain ? false : this.#prng.chance(0.5);
    const filter = byCode ? { code: 'ACCOUNT_NOT_FOUND' } : { status: DeadLetterStatus.parked };
    const letters = (await listLetters(this.#database.pool, filter, { now: this.#now })).filter(
      (letter) => letter.status !== DeadLetterStatus.resolved && letter.status !== DeadLetterStatus.discarded,
    );
    const results: string[] = [];
    for (const letter of drain ? letters : letters.slice(0, 50)) {
      const label = `${short(letter.id)} (${letter.status}, ${letter.source.topic}-${letter.source.partition}@${letter.source.offset}, ${letter.failureCode})`;
      results.push(await this.#replay({ id: letter.id, label }, this.#now));
    }
    this.#record(
      `operator replay --all ${byCode ? '--code ACCOUNT_NOT_FOUND' : '--status parked'}${drain?.sendsFailing ? ' (its sends failing)' : ''}: ${letters.length} letter(s)${results.length > 0 ? `; ${results.join('; ')}` : ''}`,
    );
  }

  async #operator(): Promise<void> {
    const kind = this.#prng.weighted({ replay: 3, discard: 4, replayAll: 2 });
    if (kind === 'replayAll') {
      await this.#replayAll();
      return;
    }
    const letter = await this.#pickLetter();
    const discard = kind === 'discard';
    if (!letter) return;
    if (!discard) {
      this.#record(await this.#replay(letter, this.#now));
      return;
    }
    this.#stats.operatorActions += 1;
    try {
      this.#touched = true;
      const result = await discardLetter(this.#pool, letter.id, {
        reason: 'not worth replaying',
        by: 'sim-operator',
        now: this.#now,
      });
      this.#record(
        `operator discard ${letter.label}: ${result?.discarded ? 'discarded' : `refused (${result?.status})`}`,
      );
    } catch (error) {
      this.#record(`operator discard ${letter.label}: failed (${errorText(error)})`);
    }
  }

  // ---- drain and liveness -------------------------------------------------------------------

  /**
   * The faults heal: every consumer catches up and the retrier runs until no letter is due. Then the
   * faults' last act: the operator replays every parked letter (the recovery step of docs/dead-letters.md) while
   * the operator's sends fail after their commits, and the run drains again. What those
   * re-applications wrote waits in the outbox, and on a partition that sees no further batch only
   * the retrier's sweep publishes it (issue 12, defect 5).
   */
  async #drain(): Promise<Violation | undefined> {
    this.#plan.disarm();
    for (const consumer of this.#consumers) consumer.frozenUntil = 0;
    this.#retrierFrozenUntil = 0;
    this.#record('drain: faults healed');
    await this.#settle();
    if (this.#on(FaultKind.operator) && this.#on(FaultKind.publish)) {
      const operator = this.#producers.operator as SimProducer;
      operator.faults.push(...Array.from({ length: 10_000 }, (): SendFault => 'refused'));
      try {
        await this.#replayAll({ status: DeadLetterStatus.parked, sendsFailing: true });
      } finally {
        operator.faults.length = 0;
      }
      await this.#settle();
    }
    return this.#checkSafety();
  }

  /** Consumers caught up and the retrier run until nothing is pending and no letter is due. */
  async #settle(): Promise<void> {
    const settings = settingsOf(this.#maxAttempts, this.#leaseMs);
    for (let round = 0; round < 20; round++) {
      let progressed = true;
      while (progressed) {
        progressed = false;
        for (const consumer of this.#consumers) {
          for (const partition of this.#pending(consumer)) {
            const failures = consumer.failures.get(partition)?.count ?? 0;
            if (failures >= 5 + round) continue;
            const committed = await this.#drainPartition(consumer, partition);
            progressed ||= committed;
          }
        }
      }
      this.#clock += settings.backoffCapMs + settings.leaseMs + 1_000;
      const line = await this.#retryOnce(this.#now, 'drain retrier');
      this.#record(line);
      const open = await this.#database.pool.query<{ open: string }>(
        `SELECT count(*) AS open FROM dead_letters WHERE status IN ('received', 'retrying')`,
      );
      const pendingAny = this.#consumers.some((consumer) => this.#pending(consumer).length > 0);
      if (!pendingAny && Number(open.rows[0]?.open ?? 0) === 0 && line.includes('attempted 0')) break;
    }
  }

  async #drainPartition(consumer: Consumer, partition: number): Promise<boolean> {
    const committed = consumer.positions[partition] ?? 0;
    const records = this.#log.read(consumer.topic, partition, committed, 100);
    try {
      await this.#handle(consumer, records);
      this.#commit(consumer, partition, records);
      return true;
    } catch (error) {
      const failure = consumer.failures.get(partition) ?? { count: 0, error: '' };
      failure.count += 1;
      failure.error = errorText(error);
      consumer.failures.set(partition, failure);
      this.#record(
        `drain: ${consumer.name} ${consumer.topic}-${partition}@${committed}: failed (${failure.error})`,
      );
      return false;
    }
  }

  /**
   * The read model rebuilt from the log under another interleaving (local/sim/rebuild.ts) must
   * equal the live one, table by table (lib/rebuild/compare.ts).
   */
  async #rebuild(): Promise<Violation | undefined> {
    const started = performance.now();
    const mode = this.#options.rebuildBy ?? RebuildMode.facts;
    try {
      const outcome = await rebuildAndCompare({
        seed: this.#options.seed,
        mode,
        log: this.#log,
        live: this.#database.pool,
        now: this.#now,
        ...(this.#options.serverUrl ? { serverUrl: this.#options.serverUrl } : {}),
        ...(this.#options.beforeRebuildCompare ? { beforeCompare: this.#options.beforeRebuildCompare } : {}),
      });
      const { comparison } = outcome;
      this.#record(
        `rebuild (${mode}): ${outcome.invocations} invocations, ${outcome.redeliveries} redelivered, ${outcome.retried} retried; ${comparison.differences} difference(s)`,
      );
      if (comparison.differences === 0) return undefined;
      return {
        invariant: Liveness.rebuildEqualsLive,
        detail: `rebuilt by ${mode}: ${comparisonDetail(comparison)}`,
      };
    } catch (error) {
      return {
        invariant: Liveness.rebuildEqualsLive,
        detail: `the rebuild (${mode}) failed: ${errorText(error)}`,
      };
    } finally {
      this.#stats.rebuildMs += performance.now() - started;
    }
  }

  async #liveness(): Promise<Violation | undefined> {
    for (const consumer of this.#consumers) {
      for (const partition of this.#pending(consumer)) {
        const failure = consumer.failures.get(partition);
        return {
          invariant: Liveness.consumed,
          detail: `${consumer.name} is stuck at ${consumer.topic}-${partition}@${consumer.positions[partition]} of ${this.#log.end(consumer.topic, partition)}${failure ? ` after ${failure.count} failed invocations: ${failure.error}` : ''}`,
        };
      }
    }
    const unsettled = await unsettledLetters(this.#database.pool);
    if (unsettled) return unsettled;
    const unpublished = await unpublishedOutbox(this.#database.pool);
    if (unpublished) return unpublished;
    const unanswered = await unansweredKeys(this.#database.pool);
    if (unanswered) return unanswered;
    const { rows } = await this.#database.pool.query<{
      event_id: string;
      event_type: string;
      producer: string;
    }>('SELECT event_id, event_type, producer FROM outbox ORDER BY position');
    const missing = rows.find((row) => !this.#log.appendedEventIds.has(row.event_id.toLowerCase()));
    if (missing) {
      return {
        invariant: Liveness.outboxPublished,
        detail: `${missing.event_type} ${missing.event_id} of ${missing.producer} is marked published but is not in the log`,
      };
    }
    const { transfers, parkedSources } = await unfinishedTransfers(this.#database.pool);
    const explained = new Set<string>();
    for (const value of parkedSources) {
      if (value === null) continue;
      try {
        const json = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as {
          payload?: { transferId?: unknown };
        };
        if (typeof json.payload?.transferId === 'string')
          explained.add(json.payload.transferId.toLowerCase());
      } catch {
        // Not JSON: it names no transfer.
      }
    }
    const unexplained = transfers.find((transfer) => !explained.has(transfer.transferId.toLowerCase()));
    if (unexplained) {
      return {
        invariant: Liveness.transfersExplained,
        detail: `transfer ${unexplained.transferId} is ${unexplained.status} and no parked letter names it`,
      };
    }
    return undefined;
  }
}

/** Runs one seed. */
export const simulate = (options: SimulationOptions): Promise<SimulationResult> =>
  new Simulation(options).run();
