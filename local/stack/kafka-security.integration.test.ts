import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  type Admin,
  type Kafka,
  type Producer,
  ResourcePatternTypes,
} from 'kafkajs';
import { loadKafkaConnection } from '../../lib/config';
import { scramUserOf } from '../../lib/deploy/kafka-rights';
import {
  createKafkaProducer,
  KafkaAuthenticationError,
  KafkaAuthorizationError,
  KafkaDeliveryError,
  KafkaEventStore,
} from '../../lib/kafka/index';
import { consumeFrom, endOffsets, localClient } from '../../lib/kafka/testing/cluster';
import { RunTopics } from '../../lib/kafka/testing/run-topics';
import { sampleEvents, sampleIds } from '../../lib/kafka/testing/sample-events';
import { type BillingEvent, TopicName } from '../../schemas';
import { StartingPosition } from '../offline/constants';
import { createEmulatorMetrics } from '../offline/metrics';
import { TriggerState } from '../offline/supervision';
import { TriggerConsumer } from '../offline/trigger-consumer';
import type { MskTrigger } from '../offline/types';
import {
  alterScramUsers,
  generatePassword,
  type KafkajsAcl,
  LOCAL_STAGE,
  makeCertificateAuthority,
  roleTopicAclsOn,
  secureBootstrapBrokers,
  secureLocalKafka,
  securityPaths,
} from './kafka-security';
import { ensureKafkaDistribution, kafkaClasspath } from './native-kafka';

// The secured listener of the local cluster (SASL_SSL, SCRAM-SHA-512, ACLs from serverless.yml),
// reached the way the functions reach it: KAFKA_* settings, the event store, the emulator's poller.
// What is appended goes to the run's own copies of the billing topics (RunTopics, docs/testing.md:
// Topics): the test gives the function users there, through the plaintext listener's super user,
// the topic rights serverless.yml gives them on the billing topics (roleTopicAclsOn, the same
// derivation as `stack:up`'s), and takes them back at the end. The refusals are checked on the
// billing topics themselves, where nothing is written.

const apiUser = scramUserOf('billingApi');
const accountProjectorUser = scramUserOf('accountProjector');

const secureEnv = (credentialsFile: string, overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  KAFKA_BROKERS: secureBootstrapBrokers.join(','),
  KAFKA_TLS: 'true',
  KAFKA_TLS_CA_FILE: securityPaths.ca,
  KAFKA_AUTH: 'scram',
  KAFKA_SCRAM_CREDENTIALS_FILE: credentialsFile,
  KAFKA_CLIENT_ID: 'billing-security-tests',
  ...overrides,
});

const storeOf = async (
  env: NodeJS.ProcessEnv,
  topics: RunTopics | undefined = undefined,
): Promise<KafkaEventStore> =>
  new KafkaEventStore({
    producer: createKafkaProducer(await loadKafkaConnection(env)),
    ...(topics ? { topicAliases: topics.aliases() } : {}),
  });

/**
 * Waits until every broker lets `user` describe `topics` through the secured listener: ACLs just
 * created reach each broker with the cluster's metadata, a moment later.
 */
async function authorizedOnEveryBroker(user: string, topics: readonly string[]): Promise<void> {
  for (const broker of secureBootstrapBrokers) {
    const probe = secureLocalKafka(`billing-security-tests-acls-${user}`, user, [broker]).admin();
    await probe.connect();
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const refused = await probe.fetchTopicMetadata({ topics: [...topics] }).then(
          () => undefined,
          (error: Error) => error,
        );
        if (!refused) break;
        if (Date.now() > deadline)
          throw new Error(`${user} still refused on ${topics.join(', ')} by ${broker}: ${refused.message}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      await probe.disconnect();
    }
  }
}

const accountOpened = (): BillingEvent => sampleEvents(sampleIds())[0] as BillingEvent;

const eventIdOf = (value: Buffer | null): string | undefined => {
  try {
    return (JSON.parse(value?.toString('utf8') ?? '') as { eventId?: string }).eventId;
  } catch {
    return undefined;
  }
};

/** Whether the event store's connect fails, and how, within a bound (never a retry forever). */
async function connectFailure(env: NodeJS.ProcessEnv): Promise<{ error: Error; ms: number }> {
  const store = await storeOf(env);
  const started = Date.now();
  try {
    await store.connect();
  } catch (error) {
    return { error: error as Error, ms: Date.now() - started };
  } finally {
    await store.disconnect().catch(() => undefined);
  }
  throw new Error('the connection was accepted');
}

describe('the secured listener (SASL_SSL, SCRAM-SHA-512, ACLs)', () => {
  let dir: string;
  let client: Kafka;
  let admin: Admin;
  let topics: RunTopics;
  /** The function users' rights on the run's topics, granted for this test. */
  let runAcls: KafkajsAcl[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kafka-security-'));
    client = await localClient();
    admin = client.admin();
    await admin.connect();
    topics = await RunTopics.create(admin, 'kafka-security');
    const physical = (topic: string) => topics.physical(topic);
    runAcls = [apiUser, accountProjectorUser].flatMap((user) => roleTopicAclsOn(user, physical));
    await admin.createAcls({ acl: runAcls });
    await authorizedOnEveryBroker(apiUser, [physical(TopicName.accountEvents)]);
    await authorizedOnEveryBroker(accountProjectorUser, [physical(TopicName.accountEvents)]);
  });

  afterAll(async () => {
    if (runAcls.length > 0) await admin?.deleteAcls({ filters: runAcls }).catch(() => undefined);
    await topics?.delete(admin).catch(() => undefined);
    await admin?.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  };

  it("appends through the event store as the API's user, and the record is on the log", async () => {
    // Prepare
    const event = accountOpened();
    const topic = topics.physical(TopicName.accountEvents);
    const starts = new Map([[topic, await endOffsets(admin, topic)]]);
    const store = await storeOf(secureEnv(securityPaths.credentials(apiUser)), topics);

    // Act
    await store.connect();
    const result = await store.append(event).finally(() => store.disconnect());
    const records = await consumeFrom(client, starts, (seen) =>
      seen.some((record) => eventIdOf(record.value) === event.eventId),
    );

    // Assess
    expect(result.ok).toBe(true);
    expect(records.filter((record) => eventIdOf(record.value) === event.eventId)).toHaveLength(1);
  });

  it('delivers through the emulator, its poller reading as the function user', async () => {
    // Prepare: a private group of the account projector (its ACL is on the group's prefix),
    // committed at the log's end so that it reads only what this test appends.
    const groupId = `billing.${LOCAL_STAGE}.account-projector.v1.security-${randomUUID().slice(0, 8)}`;
    const topic = topics.physical(TopicName.accountEvents);
    const ends = await endOffsets(admin, topic);
    await admin.setOffsets({
      groupId,
      topic,
      partitions: [...ends].map(([partition, offset]) => ({ partition, offset })),
    });
    const delivered: string[] = [];
    const { poller, producer } = await securePoller(
      accountProjectorUser,
      groupId,
      TopicName.accountEvents,
      (ids) => delivered.push(...ids),
      [],
      topic,
    );
    const event = accountOpened();
    const store = await storeOf(secureEnv(securityPaths.credentials(apiUser)), topics);

    try {
      // Act
      await poller.start();
      await store.connect();
      await store.append(event);
      await waitFor(() => delivered.includes(event.eventId), 60_000);

      // Assess
      expect(delivered).toContain(event.eventId);
      expect(poller.status).toBe(TriggerState.running);
    } finally {
      await store.disconnect();
      await poller.stop();
      await producer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
  });

  it('refuses a wrong password with an error naming the listener and the mechanism', async () => {
    // Prepare
    const wrong = file('wrong.json', JSON.stringify({ username: apiUser, password: 'not-the-password' }));

    // Act
    const { error, ms } = await connectFailure(secureEnv(wrong));

    // Assess
    expect(error).toBeInstanceOf(KafkaAuthenticationError);
    expect(error.message).toMatch(
      /SASL\/SCRAM-SHA-512 authentication of user "billing-api" failed on the SASL_SSL listener localhost:9192/,
    );
    expect(error.message).not.toContain('not-the-password');
    expect(ms).toBeLessThan(30_000);
  });

  it('refuses a plaintext client on the TLS port', async () => {
    // Act
    const { error } = await connectFailure({
      KAFKA_BROKERS: secureBootstrapBrokers.join(','),
      KAFKA_CLIENT_ID: 'billing-security-tests',
    });

    // Assess
    expect(error).toBeInstanceOf(KafkaDeliveryError);
    expect(error.message).toMatch(/PLAINTEXT to localhost:9192/);
  });

  it('refuses brokers whose certificate another CA signed', async () => {
    // Prepare: a CA of its own, which never signed the brokers' certificates.
    const otherCa = join(dir, 'other-ca.pem');
    await makeCertificateAuthority(join(dir, 'other-ca.key'), otherCa, 'another CA', 1);

    // Act
    const { error } = await connectFailure(
      secureEnv(securityPaths.credentials(apiUser), { KAFKA_TLS_CA_FILE: otherCa }),
    );

    // Assess
    expect(error).toBeInstanceOf(KafkaDeliveryError);
    expect(error.message).toMatch(/brokers' certificate on localhost:9192.* is not trusted/);
  });

  it('refuses a function user writing a topic it does not produce, at once and as an authorization error', async () => {
    // Prepare: the account projector writes only billing.dead-letter.
    const store = await storeOf(secureEnv(securityPaths.credentials(accountProjectorUser)));
    await store.connect();
    const started = Date.now();

    // Act
    const error = await store
      .append(accountOpened())
      .then(() => undefined)
      .catch((caught: Error) => caught)
      .finally(() => store.disconnect());

    // Assess
    expect(error).toBeInstanceOf(KafkaAuthorizationError);
    expect(error?.message).toMatch(/billing\.account\.events.*refuse User:billing-account-projector/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('reports a trigger whose user may not read its topic as refused, and does not restart it', async () => {
    // Prepare: the API's user neither reads nor writes the dead-letter topic. (A refusal of the
    // group alone reaches kafkajs' caller as "Failed to find group coordinator", without the
    // broker's reason: the emulator then restarts the trigger with its backoff; docs/operations.md.)
    const groupId = `billing.${LOCAL_STAGE}.dead-letter.v1.security-${randomUUID().slice(0, 8)}`;
    const lines: string[] = [];
    const { poller, producer, metrics } = await securePoller(
      apiUser,
      groupId,
      TopicName.deadLetter,
      () => undefined,
      lines,
    );

    try {
      // Act
      await poller.start().catch(() => undefined);
      await waitFor(() => poller.status === TriggerState.refused, 60_000).catch((error: Error) => {
        throw new Error(`${error.message}; the poller logged:\n${lines.join('\n')}`);
      });
      await new Promise((resolve) => setTimeout(resolve, 3_000));

      // Assess
      expect(poller.status).toBe(TriggerState.refused);
      expect(lines.join('\n')).toMatch(/TRIGGER REFUSED deadLetter <- billing\.dead-letter/);
      expect(lines.filter((line) => line.includes('TRIGGER REFUSED'))).toHaveLength(1);
      const restarts = await metrics.registry.getSingleMetricAsString('msk_offline_trigger_restarts_total');
      expect(restarts).not.toMatch(/function="deadLetter".* [1-9]/);
    } finally {
      await poller.stop();
      await producer.disconnect();
    }
  });

  it('loses nothing acknowledged while a client password is rotated', async () => {
    // Prepare: a user of its own with the API's right to write account events (on the run's copy).
    const libs = await ensureKafkaDistribution(() => undefined);
    const classpath = kafkaClasspath(libs);
    const user = `security-test-rotation-${randomUUID().slice(0, 8)}`;
    const before = { username: user, password: generatePassword() };
    const after = { username: user, password: generatePassword() };
    const credentials = file('rotating.json', JSON.stringify(before));
    const acl = (operation: AclOperationTypes) => ({
      principal: `User:${user}`,
      host: '*',
      resourceType: AclResourceTypes.TOPIC,
      resourceName: topics.physical(TopicName.accountEvents),
      resourcePatternType: ResourcePatternTypes.LITERAL,
      operation,
      permissionType: AclPermissionTypes.ALLOW,
    });
    const acls = [acl(AclOperationTypes.WRITE), acl(AclOperationTypes.DESCRIBE)];
    await alterScramUsers(classpath, [{ upsert: before }]);
    await admin.createAcls({ acl: acls });
    const topic = topics.physical(TopicName.accountEvents);
    const starts = new Map([[topic, await endOffsets(admin, topic)]]);

    // A client like the API's: it drops a producer that failed and reads its credentials again for
    // the next one; and, like Lambda instances coming and going, starts a fresh one every 5 appends.
    const acknowledged: string[] = [];
    const failures: string[] = [];
    let ackedAfterRotation = 0;
    let rotated = false;
    let running = true;
    const appender = (async () => {
      let store: KafkaEventStore | undefined;
      let sinceConnect = 0;
      while (running) {
        try {
          if (!store || sinceConnect >= 5) {
            await store?.disconnect();
            store = undefined;
            const fresh = await storeOf(secureEnv(credentials), topics);
            await fresh.connect().catch(async (error: unknown) => {
              await fresh.disconnect().catch(() => undefined);
              throw error;
            });
            store = fresh;
            sinceConnect = 0;
          }
          const event = accountOpened();
          const result = await store.append(event);
          if (result.ok) {
            acknowledged.push(event.eventId);
            if (rotated) ackedAfterRotation += 1;
          }
          sinceConnect += 1;
        } catch (error) {
          failures.push((error as Error).name);
          await store?.disconnect().catch(() => undefined);
          store = undefined;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      await store?.disconnect();
    })();

    try {
      // Act: the cluster takes the new password first, the client's file follows a moment later.
      await waitFor(() => acknowledged.length >= 10, 60_000);
      await alterScramUsers(classpath, [{ upsert: after }]);
      rotated = true;
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      writeFileSync(credentials, JSON.stringify(after));
      await waitFor(() => ackedAfterRotation >= 10, 60_000);
      running = false;
      await appender;
      const records = await consumeFrom(client, starts, (seen) => {
        const ids = new Set(seen.map((record) => eventIdOf(record.value)));
        return acknowledged.every((id) => ids.has(id));
      });

      // Assess
      const onLog = new Set(records.map((record) => eventIdOf(record.value)));
      expect(acknowledged.filter((id) => !onLog.has(id))).toEqual([]);
      expect(ackedAfterRotation).toBeGreaterThanOrEqual(10);
      // Failed appends were refused logins (or a broker's leader move): never an ACL or a setting.
      expect(
        failures.filter((name) => name !== 'KafkaAuthenticationError' && name !== 'KafkaDeliveryError'),
      ).toEqual([]);
      const old = file('old.json', JSON.stringify(before));
      expect((await connectFailure(secureEnv(old))).error).toBeInstanceOf(KafkaAuthenticationError);
    } finally {
      running = false;
      await appender.catch(() => undefined);
      await admin.deleteAcls({ filters: acls }).catch(() => undefined);
      await alterScramUsers(classpath, [{ delete: user }]).catch(() => undefined);
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The emulator's poller of one trigger (of `topic`'s function), connected through the secured
 * listener as `user`, reading `physicalTopic` (the run's copy of `topic`, or `topic` itself).
 */
async function securePoller(
  user: string,
  groupId: string,
  topic: TopicName,
  onDelivered: (eventIds: string[]) => void,
  lines: string[] = [],
  physicalTopic: string = topic,
): Promise<{
  poller: TriggerConsumer;
  producer: Producer;
  metrics: ReturnType<typeof createEmulatorMetrics>;
}> {
  const kafka = secureLocalKafka(`billing-security-tests-${user}`, user);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const functionKey = topic === TopicName.deadLetter ? 'deadLetter' : 'accountProjector';
  const trigger: MskTrigger = {
    functionKey,
    functionName: `billing-local-${functionKey}`,
    topic: physicalTopic,
    consumerGroupId: groupId,
    startingPosition: StartingPosition.trimHorizon,
    batchSize: 100,
    maximumBatchingWindowSeconds: 0,
    policy: {
      maximumRetryAttempts: 0,
      maximumRecordAgeSeconds: -1,
      bisectBatchOnFunctionError: false,
      reportBatchItemFailures: false,
      retryBaseDelayMs: 100,
      retryMaxDelayMs: 100,
    },
  };
  const metrics = createEmulatorMetrics();
  const poller = new TriggerConsumer(trigger, {
    kafka,
    producer,
    invoke: async (_name, event) => {
      const batches = Object.values((event as { records: Record<string, { value: string }[]> }).records);
      onDelivered(batches.flat().map((record) => eventIdOf(Buffer.from(record.value, 'base64')) ?? ''));
      return { type: 'success' };
    },
    metrics,
    region: 'eu-west-1',
    eventSourceArn: 'arn:aws:kafka:eu-west-1:000000000000:cluster/billing-local/security-tests',
    bootstrapServers: secureBootstrapBrokers,
    log: (line) => lines.push(line),
    partitionsConcurrently: 2,
    supervision: { restartBaseDelayMs: 500, restartMaxDelayMs: 1_000, stallMs: 45_000 },
  });
  return { poller, producer, metrics };
}
