import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { MSK_OFFLINE_DEFAULTS } from './constants';
import { readSettings, readTriggers, runTopicOf } from './settings';
import type { MskTrigger } from './types';

/** serverless.yml read raw: its variables are left unresolved. */
const STAGE_VARIABLE = ['$', '{sls:stage}'].join('');
const serverlessYml = () => parse(readFileSync(join(__dirname, '..', '..', 'serverless.yml'), 'utf8'));

/** serverless.yml's trigger extensions as the framework resolves them (its failure-handling variables). */
const resolvedExtensions = (config: ReturnType<typeof serverlessYml>) =>
  Object.fromEntries(
    Object.entries(config.resources.extensions as Record<string, { Properties: string }>).map(
      ([id, entry]) => [
        id,
        {
          Properties: entry.Properties.includes('deadLetter')
            ? config.custom.deadLetterTriggerFailureHandling
            : config.custom.kafkaTriggerFailureHandling,
        },
      ],
    ),
  );

describe('readTriggers', () => {
  it("reads every function's msk trigger with its extension properties", () => {
    // Prepare: serverless.yml with the variables the framework would resolve
    const config = serverlessYml();
    const extensions = resolvedExtensions(config);
    const functions = Object.fromEntries(
      Object.entries(
        config.functions as Record<string, { events?: { msk?: Record<string, unknown> }[] }>,
      ).map(([key, fn]) => [key, { ...fn, name: `billing-local-${key}` }]),
    );
    // Act
    const triggers = readTriggers({
      functions,
      extensions,
      settings: readSettings({}, { MSK_OFFLINE_GROUP_SUFFIX: '.t1' }),
    });
    // Assess
    expect(triggers.map((trigger) => trigger.functionKey)).toEqual(
      expect.arrayContaining(['accountProjector', 'transactionProjector', 'deadLetter']),
    );
    const account = triggers.find((trigger) => trigger.functionKey === 'accountProjector');
    expect(account).toMatchObject({
      functionName: 'billing-local-accountProjector',
      topic: 'billing.account.events',
      consumerGroupId: `billing.${STAGE_VARIABLE}.account-projector.v1.t1`,
      startingPosition: 'TRIM_HORIZON',
      batchSize: 100,
      maximumBatchingWindowSeconds: 1,
      policy: {
        maximumRetryAttempts: 10000,
        maximumRecordAgeSeconds: -1,
        bisectBatchOnFunctionError: true,
        reportBatchItemFailures: false,
        onFailureTopic: 'billing.dead-letter',
      },
    });
    const deadLetter = triggers.find((trigger) => trigger.functionKey === 'deadLetter');
    expect(deadLetter?.policy).toMatchObject({ maximumRetryAttempts: -1 });
    expect(deadLetter?.policy.onFailureTopic).toBeUndefined();
  });

  it('runs only the functions asked for, with the failure handling overridden for the run', () => {
    const settings = readSettings(
      {},
      { MSK_OFFLINE_FUNCTIONS: 'b', MSK_OFFLINE_FAILURE_HANDLING: '{"MaximumRetryAttempts":1}' },
    );
    const functions = {
      a: { events: [{ msk: { topic: 't.a' } }] },
      b: {
        events: [{ msk: { topic: 't.b', consumerGroupId: 'g' } }, { msk: { topic: 't.c', enabled: false } }],
      },
    };
    const triggers = readTriggers({ functions, extensions: {}, settings });
    expect(triggers).toHaveLength(1);
    expect(triggers[0]).toMatchObject({
      topic: 't.b',
      consumerGroupId: 'g',
      startingPosition: 'LATEST',
      policy: { maximumRetryAttempts: 1 },
    });
  });

  it('refuses a starting position or destination that cannot run offline', () => {
    const settings = readSettings({}, {});
    expect(() =>
      readTriggers({
        functions: { a: { events: [{ msk: { topic: 't', startingPosition: 'AT_TIMESTAMP' } }] } },
        extensions: {},
        settings,
      }),
    ).toThrow('startingPosition AT_TIMESTAMP does not run offline');
    expect(() =>
      readTriggers({
        functions: { a: { events: [{ msk: { topic: 't' } }] } },
        extensions: {
          AEventSourceMappingMSKClusterT: {
            Properties: { DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:x' } } },
          },
        },
        settings,
      }),
    ).toThrow('only a kafka:// on-failure destination runs offline');
  });
});

describe("a run's topics (BILLING_TOPIC_PREFIX)", () => {
  const PREFIX = 'test.offline.0a1b2c3d.';
  /** serverless.yml's functions and extensions as the framework resolves them (stage local). */
  const serverlessTriggers = (env: NodeJS.ProcessEnv) => {
    const config = serverlessYml();
    const extensions = resolvedExtensions(config);
    return readTriggers({ functions: config.functions, extensions, settings: readSettings({}, env) });
  };

  it('is none by default: each trigger reads the topic its events name', () => {
    // Act
    const settings = readSettings({}, {});
    const triggers = serverlessTriggers({});
    // Assess
    expect(settings.topicPrefix).toBe('');
    expect(runTopicOf(settings, 'billing.account.events')).toBe('billing.account.events');
    expect(triggers.length).toBeGreaterThan(0);
    for (const trigger of triggers) {
      expect(trigger.topic).toMatch(/^billing\./);
      expect(trigger.eventTopic).toBe(trigger.topic);
    }
  });

  it("makes every trigger read, and write its on-failure records to, the run's topic, its events naming the billing topic", () => {
    // Act
    const triggers = serverlessTriggers({ BILLING_TOPIC_PREFIX: PREFIX });
    const plain = serverlessTriggers({});
    // Assess: the topics read and written are the run's; the rest (groups, policies) as without it
    expect(triggers.map((trigger) => trigger.topic)).toEqual(
      plain.map((trigger) => `${PREFIX}${trigger.topic}`),
    );
    expect(triggers.map((trigger) => trigger.eventTopic)).toEqual(plain.map((trigger) => trigger.topic));
    const account = triggers.find((trigger) => trigger.functionKey === 'accountProjector');
    expect(account).toMatchObject({
      topic: `${PREFIX}billing.account.events`,
      eventTopic: 'billing.account.events',
      consumerGroupId: `billing.${STAGE_VARIABLE}.account-projector.v1`,
      policy: { maximumRetryAttempts: 10000, onFailureTopic: `${PREFIX}billing.dead-letter` },
    });
    const deadLetter = triggers.find((trigger) => trigger.functionKey === 'deadLetter');
    expect(deadLetter).toMatchObject({
      topic: `${PREFIX}billing.dead-letter`,
      eventTopic: 'billing.dead-letter',
    });
    expect(deadLetter?.policy.onFailureTopic).toBeUndefined();
    const apartFromTopics = ({
      topic,
      eventTopic,
      policy: { onFailureTopic, ...policy },
      ...rest
    }: MskTrigger) => ({
      ...rest,
      policy,
    });
    expect(triggers.map(apartFromTopics)).toEqual(plain.map(apartFromTopics));
  });

  it('refuses a prefix that is not a run topic prefix', () => {
    for (const prefix of ['test.offline', 'test offline.', 'test/offline.', `${'a'.repeat(101)}.`]) {
      expect(() => readSettings({}, { BILLING_TOPIC_PREFIX: prefix })).toThrow(
        /BILLING_TOPIC_PREFIX must be/,
      );
    }
    expect(readSettings({}, { BILLING_TOPIC_PREFIX: '' }).topicPrefix).toBe('');
  });
});

describe('the ports npm start prints', () => {
  it('are the ones serverless.yml gives serverless-offline', () => {
    expect(serverlessYml().custom['serverless-offline'].httpPort).toBe(MSK_OFFLINE_DEFAULTS.httpPort);
  });
});
