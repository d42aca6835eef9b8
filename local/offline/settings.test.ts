import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { MSK_OFFLINE_DEFAULTS } from './constants';
import { readSettings, readTriggers } from './settings';

/** serverless.yml read raw: its variables are left unresolved. */
const STAGE_VARIABLE = ['$', '{sls:stage}'].join('');
const serverlessYml = () => parse(readFileSync(join(__dirname, '..', '..', 'serverless.yml'), 'utf8'));

describe('readTriggers', () => {
  it("reads every function's msk trigger with its extension properties", () => {
    // Prepare: serverless.yml with the variables the framework would resolve
    const config = serverlessYml();
    const failureHandling = config.custom.kafkaTriggerFailureHandling;
    const extensions = Object.fromEntries(
      Object.entries(config.resources.extensions as Record<string, { Properties: string }>).map(
        ([id, entry]) => [
          id,
          {
            Properties: entry.Properties.includes('deadLetter')
              ? config.custom.deadLetterTriggerFailureHandling
              : failureHandling,
          },
        ],
      ),
    );
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

describe('the ports npm start prints', () => {
  it('are the ones serverless.yml gives serverless-offline', () => {
    expect(serverlessYml().custom['serverless-offline'].httpPort).toBe(MSK_OFFLINE_DEFAULTS.httpPort);
  });
});
