import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { TopicName } from '../../schemas';
import { ApiRoute } from '../api/constants';
import { billingTopics } from '../kafka/topic-specs';
import {
  MIGRATION_FUNCTION_KEY,
  MIGRATION_RESOURCE_ID,
  NETWORK_INTERFACE_ACTIONS,
  serviceNameOf,
  TRIGGER_ERROR_METRICS,
} from './billing-resources';
import { bundleSizes, formatBundleSizes, MAX_BUNDLE_BYTES } from './bundle-sizes';
import { readZip } from './zip';

/*
 * Packages serverless.yml for the `example` stage exactly as CI and a developer would (`sls package`,
 * no AWS credentials), then reads the generated CloudFormation template and the bundles.
 */

/** Topics of docs/design.md (Topics) whose consumer function does not exist yet. Remove a topic when its consumer lands. */
const TOPICS_WITHOUT_CONSUMER_YET: Readonly<Partial<Record<TopicName, string>>> = {
  // The live read model is written by the deciding projector itself; these facts are read by a
  // rebuild of the read model (npm run rebuild, docs/projection.md#rebuild), not by a trigger.
  'billing.transaction.outcomes': 'read by a rebuild only',
};

const CFN_LINT_VERSION = '1.58.0';
const STAGE = 'example';
const ROOT = join(__dirname, '..', '..');
const SLS = join(ROOT, 'node_modules', '.bin', 'sls');
const SCRAM_SECRET_ARN =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_billing-example-AbCdEf';
const DATABASE_SECRET_ARN =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:billing-example/database-AbCdEf';
const SCRAM_KMS_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const DATABASE_KMS_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e';
const SCRAM_PARAMS = [
  'kafkaAuth=scram',
  `kafkaScramSecretArn=${SCRAM_SECRET_ARN}`,
  `kafkaScramKmsKeyArn=${SCRAM_KMS_KEY_ARN}`,
];

// Planted in the packaging environment: none may reach the template or the bundles.
const CANARY = 'canary-7f3e9a1c-5b2d-4e8f';
const canaryEnv = {
  DATABASE_URL: `postgres://billing:${CANARY}-db@db.internal:5432/billing`,
  PGPASSWORD: `${CANARY}-pg`,
  KAFKA_SCRAM_PASSWORD: `${CANARY}-kafka`,
};

jest.setTimeout(180_000);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Resource {
  Type: string;
  Properties: Record<string, Json>;
  DependsOn?: string[];
}
interface Packaged {
  dir: string;
  template: { Resources: Record<string, Resource>; Parameters?: Record<string, Json> };
}

function packageService(params: readonly string[] = [], stage: string | null = STAGE): Promise<Packaged> {
  const dir = mkdtempSync(join(tmpdir(), 'billing-sls-'));
  const home = mkdtempSync(join(tmpdir(), 'billing-sls-home-'));
  const args = [
    'package',
    ...(stage === null ? [] : ['--stage', stage]),
    '--package',
    dir,
    ...params.flatMap((param) => ['--param', param]),
  ];
  return new Promise((resolve, reject) => {
    execFile(
      SLS,
      args,
      {
        cwd: ROOT,
        // No AWS credentials, profile or region: packaging must not need them.
        env: { PATH: process.env.PATH ?? '', HOME: home, CI: 'true', ...canaryEnv },
        maxBuffer: 10 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        rmSync(home, { recursive: true, force: true });
        if (error) {
          reject(new Error(`sls ${args.join(' ')} failed:\n${stdout}\n${stderr}`));
          return;
        }
        const template = JSON.parse(
          readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
        );
        resolve({ dir, template });
      },
    );
  });
}

interface MskEventConfig {
  topic: string;
  consumerGroupId: string;
  batchSize: number;
  maximumBatchingWindow: number;
  startingPosition: string;
  provisionedPollerConfig: { minimumPollers: number; maximumPollers: number };
}
interface FunctionConfig {
  handler: string;
  kafkaProduces?: string[];
  events?: { msk?: MskEventConfig; httpApi?: { method: string; path: string } }[];
}
const serverlessYml = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as {
  functions: Record<string, FunctionConfig>;
};
const STAGE_VARIABLE = ['$', '{sls:stage}'].join('');
const withStage = (text: string) => text.replaceAll(STAGE_VARIABLE, STAGE);

const byType = (packaged: Packaged, type: string) =>
  Object.entries(packaged.template.Resources).filter(([, resource]) => resource.Type === type);
const getAttTarget = (value: Json | undefined): string | undefined =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? ((value['Fn::GetAtt'] as string[] | undefined)?.[0] ?? undefined)
    : undefined;
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: Json;
}
const statementsOf = (role: Resource): Statement[] =>
  (role.Properties.Policies as unknown as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (policy) => policy.PolicyDocument.Statement,
  );

/** cfn-lint's verdict on a template: the command, or its module where pip put no script on the PATH. */
function cfnLint(template: string): { status: number | null; output: string } {
  const runCfnLint = 'import sys; from cfnlint.runner import main; sys.argv[0] = "cfn-lint"; main()';
  let lint = spawnSync('cfn-lint', [template], { encoding: 'utf8' });
  if (lint.error) lint = spawnSync('python3', ['-c', runCfnLint, template], { encoding: 'utf8' });
  if (lint.error || /No module named .?cfnlint/.test(lint.stderr)) {
    throw new Error(`cfn-lint is not installed: pip install cfn-lint==${CFN_LINT_VERSION}`);
  }
  return { status: lint.status, output: `${lint.stdout}${lint.stderr}` };
}

/** The error of a packaging that must fail (it stops before bundling). */
const packageFailure = (params: readonly string[]): Promise<string> =>
  packageService(params).then(
    (result) => {
      rmSync(result.dir, { recursive: true, force: true });
      return 'packaged';
    },
    (error: Error) => error.message,
  );

/** The logical id prefix of a function's resources (accountProjector: AccountProjector). */
const logicalNameOf = (key: string) => key.charAt(0).toUpperCase() + key.slice(1);

describe('serverless.yml packaged for the example stage (IAM auth)', () => {
  let packaged: Packaged;
  const functionKeys = Object.keys(serverlessYml.functions);
  const clusterArn = () =>
    String((packaged.template.Parameters?.MskClusterArn as { Default: string } | undefined)?.Default);
  const kafkaArn = (kind: 'topic' | 'group', name: string) =>
    clusterArn().replace(':cluster/', `:${kind}/`).concat(`/${name}`);

  beforeAll(async () => {
    packaged = await packageService();
  });
  afterAll(() => {
    if (packaged) rmSync(packaged.dir, { recursive: true, force: true });
  });

  it('bundles each function on its own, its handler and a trimmed source map, in at most 1 MiB zipped', () => {
    // Act
    const sizes = bundleSizes(packaged.dir);
    console.log(`Function bundles (zipped):\n${formatBundleSizes(sizes)}`);

    // Assess
    expect(sizes.map((size) => size.file).sort()).toEqual(functionKeys.map((key) => `${key}.zip`).sort());
    for (const [key, fn] of Object.entries(serverlessYml.functions)) {
      const file = join(packaged.dir, `${key}.zip`);
      const entries = readZip(file);
      const handlerFile = `${fn.handler.slice(0, fn.handler.lastIndexOf('.'))}.js`;
      const sql =
        key === MIGRATION_FUNCTION_KEY ? [...entries.keys()].filter((name) => name.endsWith('.sql')) : [];
      expect([...entries.keys()].sort()).toEqual([handlerFile, `${handlerFile}.map`, ...sql].sort());
      expect({ file: `${key}.zip`, bytes: statSync(file).size }).toEqual({
        file: `${key}.zip`,
        bytes: expect.any(Number),
      });
      expect(statSync(file).size).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
      // The map still names the TypeScript sources (stack traces), without their full text.
      const map = JSON.parse(entries.get(`${handlerFile}.map`)?.toString('utf8') ?? '{}') as {
        sources?: string[];
        sourcesContent?: unknown;
      };
      expect(map.sourcesContent).toBeUndefined();
      expect(map.sources?.some((source) => source.endsWith(`${handlerFile.replace(/\.js$/, '.ts')}`))).toBe(
        true,
      );
      // The AWS SDK v3 comes with the nodejs22.x runtime: it is not bundled.
      const code = entries.get(handlerFile)?.toString('utf8') ?? '';
      expect(map.sources?.some((source) => source.includes('node_modules/@aws-sdk/'))).toBe(false);
      if (code.includes('@aws-sdk/')) expect(code).toMatch(/require\("@aws-sdk\/[a-z-]+"\)/);
    }
    expect(sizes.filter((size) => size.overLimit)).toEqual([]);
  });

  it('runs the read model migrations through a custom resource that every trigger waits for', () => {
    // Prepare
    const migration = packaged.template.Resources[MIGRATION_RESOURCE_ID];
    const migrator = packaged.template.Resources[`${logicalNameOf(MIGRATION_FUNCTION_KEY)}LambdaFunction`];
    const mappings = byType(packaged, 'AWS::Lambda::EventSourceMapping');

    // Assess
    expect(migration).toMatchObject({
      Type: 'Custom::ReadModelMigration',
      Properties: {
        ServiceToken: { 'Fn::GetAtt': [`${logicalNameOf(MIGRATION_FUNCTION_KEY)}LambdaFunction`, 'Arn'] },
        Migrations: expect.stringMatching(/^[0-9a-f]{64}$/),
        DatabaseSecretArn:
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:billing-example/database-AbCdEf',
      },
    });
    expect(migrator?.Properties.Timeout).toBe(300);
    expect(mappings.length).toBeGreaterThan(0);
    for (const [id, mapping] of mappings) {
      expect({ id, dependsOn: mapping.DependsOn }).toEqual({
        id,
        dependsOn: expect.arrayContaining([MIGRATION_RESOURCE_ID]),
      });
    }
  });

  it('triggers a function on every topic of docs/design.md, except those listed as not built yet', () => {
    // Prepare
    const mappings = byType(packaged, 'AWS::Lambda::EventSourceMapping');

    // Assess
    for (const { name } of billingTopics) {
      const triggers = mappings.filter(
        ([, mapping]) => JSON.stringify(mapping.Properties.Topics) === `["${name}"]`,
      );
      const pending = TOPICS_WITHOUT_CONSUMER_YET[name];
      if (pending) {
        expect({
          topic: name,
          triggers: triggers.length,
          note: `listed as not built yet (${pending})`,
        }).toEqual({
          topic: name,
          triggers: 0,
          note: `listed as not built yet (${pending})`,
        });
      } else {
        expect({ topic: name, triggered: triggers.length > 0 }).toEqual({ topic: name, triggered: true });
      }
    }
    expect(mappings.length).toBeGreaterThan(0);
  });

  it('gives each trigger its configured batching, own consumer group and failure handling', () => {
    // Prepare
    const mappings = byType(packaged, 'AWS::Lambda::EventSourceMapping');
    const groups = new Set<string>();
    let triggers = 0;

    // Assess
    for (const [key, fn] of Object.entries(serverlessYml.functions)) {
      for (const msk of (fn.events ?? []).flatMap((event) => (event.msk ? [event.msk] : []))) {
        triggers += 1;
        const found = mappings.filter(
          ([, mapping]) =>
            getAttTarget(mapping.Properties.FunctionName) === `${logicalNameOf(key)}LambdaFunction` &&
            JSON.stringify(mapping.Properties.Topics) === JSON.stringify([msk.topic]),
        );
        expect(found).toHaveLength(1);
        // A new consumer group version is a new trigger (a group cannot change in place).
        const version = /\.v([0-9]+)$/.exec(msk.consumerGroupId)?.[1];
        expect(version).toBeDefined();
        expect(found[0]?.[0]).toMatch(
          new RegExp(`^${logicalNameOf(key)}EventSourceMappingMSK.+V${version}$`),
        );
        const properties = found[0]?.[1].Properties ?? {};
        expect(properties.MetricsConfig).toEqual({ Metrics: ['EventCount', 'ErrorCount', 'KafkaMetrics'] });
        const spec = billingTopics.find((topic) => topic.name === msk.topic);
        expect(properties).toMatchObject({
          EventSourceArn: { Ref: 'MskClusterArn' },
          StartingPosition: msk.startingPosition,
          BatchSize: msk.batchSize,
          MaximumBatchingWindowInSeconds: msk.maximumBatchingWindow,
          AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: withStage(msk.consumerGroupId) },
          ProvisionedPollerConfig: {
            MinimumPollers: msk.provisionedPollerConfig.minimumPollers,
            MaximumPollers: msk.provisionedPollerConfig.maximumPollers,
          },
          ...(msk.topic === TopicName.deadLetter
            ? { MaximumRetryAttempts: -1 }
            : {
                DestinationConfig: { OnFailure: { Destination: `kafka://${TopicName.deadLetter}` } },
                MaximumRetryAttempts: 10000,
              }),
          // Replays read events of any age: a finite age would dead-letter them.
          MaximumRecordAgeInSeconds: -1,
          BisectBatchOnFunctionError: true,
        });
        // Lambda refuses a destination that is also a source: the dead-letter trigger has none.
        if (msk.topic === TopicName.deadLetter) expect(properties.DestinationConfig).toBeUndefined();
        // The projectors report no item failures: they dead-letter bad records and throw on outages.
        expect(properties.FunctionResponseTypes).toBeUndefined();
        // With IAM, the role authenticates: no secret on the trigger.
        expect(properties.SourceAccessConfigurations).toBeUndefined();
        expect(msk.provisionedPollerConfig.maximumPollers).toBeLessThanOrEqual(spec?.partitions ?? 0);
        const group = withStage(msk.consumerGroupId);
        expect(group).toContain(`.${STAGE}.`);
        expect(groups.has(group)).toBe(false);
        groups.add(group);
      }
    }
    expect(mappings).toHaveLength(triggers);
  });

  it('wires Errors and Throttles alarms of every function, and OffsetLag of every trigger, to the SNS topic', () => {
    // Prepare
    const alarms = byType(packaged, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    const functions = byType(packaged, 'AWS::Lambda::Function');
    const toTopic = {
      AlarmActions: [{ Ref: 'BillingAlarmTopic' }],
      OKActions: [{ Ref: 'BillingAlarmTopic' }],
    };
    const onFunction = (logicalId: string, metric: string) =>
      alarms.filter(
        (alarm) =>
          alarm.MetricName === metric &&
          JSON.stringify(alarm.Dimensions) ===
            JSON.stringify([{ Name: 'FunctionName', Value: { Ref: logicalId } }]),
      );

    // Assess
    expect(functions.length).toBe(functionKeys.length);
    for (const [logicalId] of functions) {
      const errors = onFunction(logicalId, 'Errors');
      expect(errors).toHaveLength(1);
      // A failed invocation alarms within a minute.
      expect(errors[0]).toMatchObject({
        Namespace: 'AWS/Lambda',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        ...toTopic,
      });
      expect(onFunction(logicalId, 'Throttles')[0]).toMatchObject({ Threshold: 0, ...toTopic });
    }
    for (const [mappingId, mapping] of byType(packaged, 'AWS::Lambda::EventSourceMapping')) {
      const lag = alarms.filter(
        (alarm) =>
          alarm.MetricName === 'OffsetLag' &&
          JSON.stringify(alarm.Dimensions) ===
            JSON.stringify([
              { Name: 'FunctionName', Value: { Ref: getAttTarget(mapping.Properties.FunctionName) ?? '' } },
              { Name: 'EventSourceMappingUUID', Value: { Ref: mappingId } },
            ]),
      );
      expect(lag).toHaveLength(1);
      expect(lag[0]).toMatchObject({ Namespace: 'AWS/Lambda', Statistic: 'Maximum', ...toTopic });
      expect(Number(lag[0]?.Threshold)).toBeGreaterThan(0);
    }
    // Missing data is fine, except where silence is the failure: a trigger that does not poll, a
    // scheduled function that does not run, and no lag reported on a topic that is never idle.
    const breaching = alarms.filter((alarm) => alarm.TreatMissingData === 'breaching');
    expect(breaching.map((alarm) => alarm.AlarmName).sort()).toEqual(
      [
        ...byType(packaged, 'AWS::Lambda::EventSourceMapping').map(([, mapping]) => {
          const group = String(
            (mapping.Properties.AmazonManagedKafkaEventSourceConfig as { ConsumerGroupId: string })
              .ConsumerGroupId,
          );
          const fnKey = functionKeys.find(
            (key) => `${logicalNameOf(key)}LambdaFunction` === getAttTarget(mapping.Properties.FunctionName),
          );
          return `billing-${STAGE}-${fnKey}-${(mapping.Properties.Topics as string[])[0]}-v${/\.v([0-9]+)$/.exec(group)?.[1]}-not-polling`;
        }),
        `billing-${STAGE}-deadLetterRetrier-not-running`,
        `billing-${STAGE}-transactionProjector-billing.transaction.events-v1-offset-lag`,
      ].sort(),
    );
    for (const alarm of alarms) {
      expect(alarm).toMatchObject(toTopic);
      expect(String(alarm.AlarmDescription).length).toBeGreaterThan(80);
      expect(['notBreaching', 'breaching']).toContain(alarm.TreatMissingData);
    }
    const subscriptions = byType(packaged, 'AWS::SNS::Subscription').map(([, s]) => s.Properties);
    expect(subscriptions).toEqual([
      { TopicArn: { Ref: 'BillingAlarmTopic' }, Protocol: 'email', Endpoint: 'billing-alarms@example.com' },
    ]);
  });

  it('alarms on dead letters parked and on the rate at which each consumer dead-letters', () => {
    // Prepare
    const alarms = byType(packaged, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);

    // Assess
    expect(alarms.filter((alarm) => alarm.MetricName === 'DeadLettersParked')).toEqual([
      expect.objectContaining({
        Namespace: 'BillingKafka',
        Dimensions: [{ Name: 'service', Value: 'dead-letter' }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    ]);
    for (const [key, fn] of Object.entries(serverlessYml.functions)) {
      // The dead-letter function emits no RecordsDeadLettered: it has no alarm on it.
      const deadLetters = (fn.events ?? []).some(
        (event) => event.msk && event.msk.topic !== TopicName.deadLetter,
      );
      expect({
        key,
        alarms: alarms.filter(
          (alarm) =>
            alarm.MetricName === 'RecordsDeadLettered' &&
            JSON.stringify(alarm.Dimensions) ===
              JSON.stringify([{ Name: 'service', Value: serviceNameOf(key) }]),
        ).length,
      }).toEqual({ key, alarms: deadLetters ? 1 : 0 });
    }
  });

  it("alarms on each trigger's errors, its silence, and the records Lambda itself dead-lettered", () => {
    // Prepare
    const alarms = byType(packaged, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    const onMapping = (id: string, metric: string) =>
      alarms.filter(
        (alarm) =>
          alarm.MetricName === metric &&
          JSON.stringify(alarm.Dimensions) ===
            JSON.stringify([{ Name: 'EventSourceMappingUUID', Value: { Ref: id } }]),
      );

    // Assess
    for (const [id, mapping] of byType(packaged, 'AWS::Lambda::EventSourceMapping')) {
      const errors = alarms.filter((alarm) => JSON.stringify(alarm.Metrics ?? []).includes(`"Ref":"${id}"`));
      expect(errors).toHaveLength(1);
      const metrics = errors[0]?.Metrics as {
        MetricStat?: { Metric: { MetricName: string } };
        Expression?: string;
      }[];
      expect(
        metrics.flatMap((metric) => (metric.MetricStat ? [metric.MetricStat.Metric.MetricName] : [])),
      ).toEqual([...TRIGGER_ERROR_METRICS]);
      expect(errors[0]).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
      expect(onMapping(id, 'PolledEventCount')).toEqual([
        expect.objectContaining({
          Statistic: 'SampleCount',
          Threshold: 1,
          ComparisonOperator: 'LessThanThreshold',
          TreatMissingData: 'breaching',
        }),
      ]);
      const topic = (mapping.Properties.Topics as string[])[0];
      expect(onMapping(id, 'OnFailureDestinationDeliveredEventCount')).toHaveLength(
        topic === TopicName.deadLetter ? 0 : 1,
      );
    }
  });

  it('alarms on duration near the timeout, concurrency, the retrier not running and old dead letters', () => {
    // Prepare
    const alarms = byType(packaged, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    const functions = byType(packaged, 'AWS::Lambda::Function');

    // Assess
    for (const [logicalId, fn] of functions) {
      const duration = alarms.filter(
        (alarm) =>
          alarm.MetricName === 'Duration' &&
          JSON.stringify(alarm.Dimensions) ===
            JSON.stringify([{ Name: 'FunctionName', Value: { Ref: logicalId } }]),
      );
      expect(duration).toEqual([
        expect.objectContaining({ Statistic: 'Maximum', Threshold: Number(fn.Properties.Timeout) * 800 }),
      ]);
    }
    expect(alarms.filter((alarm) => alarm.MetricName === 'ClaimedAccountConcurrency')).toEqual([
      expect.objectContaining({ Threshold: 800, ComparisonOperator: 'GreaterThanThreshold' }),
    ]);
    expect(
      alarms.filter((alarm) => alarm.MetricName === 'Invocations' && alarm.TreatMissingData === 'breaching'),
    ).toEqual([
      expect.objectContaining({
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'DeadLetterRetrierLambdaFunction' } }],
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
      }),
    ]);
    expect(alarms.filter((alarm) => alarm.MetricName === 'OldestUnresolvedDeadLetterAge')).toEqual([
      expect.objectContaining({
        Namespace: 'BillingKafka',
        Dimensions: [{ Name: 'service', Value: 'dead-letter' }],
        Threshold: 86400,
      }),
    ]);
  });

  it("alarms on the billing API's 5xx answers and latency, and keeps its access log", () => {
    // Prepare
    const alarms = byType(packaged, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    const api = [
      { Name: 'ApiId', Value: { Ref: 'HttpApi' } },
      { Name: 'Stage', Value: '$default' },
    ];
    const stage = byType(packaged, 'AWS::ApiGatewayV2::Stage')[0]?.[1];

    // Assess
    expect(alarms.filter((alarm) => alarm.Namespace === 'AWS/ApiGateway')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ MetricName: '5xx', Dimensions: api, Threshold: 0 }),
        expect.objectContaining({
          MetricName: 'Latency',
          Dimensions: api,
          ExtendedStatistic: 'p99',
          Threshold: 2000,
        }),
      ]),
    );
    expect(stage?.Properties.AccessLogSettings).toMatchObject({
      DestinationArn: { 'Fn::GetAtt': ['HttpApiLogGroup', 'Arn'] },
      Format: expect.stringContaining('$context.requestId'),
    });
    expect(packaged.template.Resources.HttpApiLogGroup?.Properties.RetentionInDays).toBe(30);
  });

  it('names Powertools namespace and service consistently with the alarms', () => {
    // Assess
    for (const [key] of Object.entries(serverlessYml.functions)) {
      const fn = packaged.template.Resources[`${logicalNameOf(key)}LambdaFunction`];
      const environment = fn?.Properties.Environment as { Variables: Record<string, string> } | undefined;
      expect(environment?.Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: serviceNameOf(key),
        // Each function is its own Kafka client (broker logs and quotas name it).
        KAFKA_CLIENT_ID: serviceNameOf(key),
        POWERTOOLS_METRICS_NAMESPACE: 'BillingKafka',
      });
    }
    // One log group per function and the API's access log.
    expect(
      byType(packaged, 'AWS::Logs::LogGroup').map(([, group]) => group.Properties.RetentionInDays),
    ).toEqual([...functionKeys, 'access log'].map(() => 30));
  });

  it('gives every function its own role, with a wildcard resource only for network interfaces', () => {
    // Prepare
    const roles = byType(packaged, 'AWS::IAM::Role');

    // Assess
    expect(packaged.template.Resources.IamRoleLambdaExecution).toBeUndefined();
    expect(roles).toHaveLength(functionKeys.length);
    for (const [, role] of roles) {
      for (const statement of statementsOf(role)) {
        const actions = asArray(statement.Action);
        expect(statement.Effect).toBe('Allow');
        for (const action of actions) expect(action).not.toContain('*');
        if (JSON.stringify(statement.Resource).includes('*')) {
          expect({ actions, resource: statement.Resource }).toEqual({
            actions: [...NETWORK_INTERFACE_ACTIONS],
            resource: '*',
          });
        }
      }
    }
  });

  it('lets each function reach only its own topics, consumer groups and secrets', () => {
    // Assess
    for (const [key, fn] of Object.entries(serverlessYml.functions)) {
      const role = packaged.template.Resources[`${logicalNameOf(key)}ExecutionRole`];
      expect(role).toBeDefined();
      const statements = statementsOf(role as Resource);
      const triggers = (fn.events ?? []).flatMap((event) => (event.msk ? [event.msk] : []));
      const allowed = (action: string) =>
        statements.filter((s) => asArray(s.Action).includes(action)).flatMap((s) => asArray(s.Resource));
      const writes = [
        ...new Set([
          ...(fn.kafkaProduces ?? []),
          ...(triggers.some((trigger) => trigger.topic !== TopicName.deadLetter)
            ? [TopicName.deadLetter]
            : []),
        ]),
      ];

      // The migration function never meets Kafka: no cluster action at all.
      const usesKafka = triggers.length > 0 || writes.length > 0;
      expect(allowed('kafka:DescribeClusterV2')).toEqual(usesKafka ? [clusterArn()] : []);
      expect(allowed('kafka-cluster:Connect')).toEqual(usesKafka ? [clusterArn()] : []);
      expect(usesKafka).toBe(key !== MIGRATION_FUNCTION_KEY);
      expect(allowed('kafka-cluster:ReadData').sort()).toEqual(
        triggers.map((trigger) => kafkaArn('topic', trigger.topic)).sort(),
      );
      expect(allowed('kafka-cluster:AlterGroup').sort()).toEqual(
        triggers.map((trigger) => kafkaArn('group', withStage(trigger.consumerGroupId))).sort(),
      );
      expect(allowed('kafka-cluster:WriteData').sort()).toEqual(
        writes.map((topic) => kafkaArn('topic', topic)).sort(),
      );
      if (triggers.some((trigger) => trigger.topic !== TopicName.deadLetter)) {
        expect(allowed('kafka-cluster:WriteData')).toContain(kafkaArn('topic', TopicName.deadLetter));
      }
      expect(allowed('secretsmanager:GetSecretValue')).toEqual([
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:billing-example/database-AbCdEf',
      ]);
      expect(allowed('logs:PutLogEvents')).toEqual([
        { 'Fn::GetAtt': [`${logicalNameOf(key)}LogGroup`, 'Arn'] },
      ]);
    }
  });

  it('keeps every secret value out of the template, the state and the bundles', () => {
    // Prepare
    const files = readdirSync(packaged.dir);
    const contents = files.flatMap((file) =>
      file.endsWith('.zip')
        ? [...readZip(join(packaged.dir, file)).entries()].map(([name, data]) => ({
            name: `${file}:${name}`,
            text: data.toString('utf8'),
          }))
        : [{ name: file, text: readFileSync(join(packaged.dir, file), 'utf8') }],
    );

    // Assess
    expect(files).toContain('cloudformation-template-update-stack.json');
    for (const { name, text } of contents) {
      expect({ name, leaks: text.includes(CANARY) }).toEqual({ name, leaks: false });
    }
    for (const [, fn] of byType(packaged, 'AWS::Lambda::Function')) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, string> }).Variables;
      for (const [name, value] of Object.entries(variables)) {
        // Secrets travel as ARNs only: no connection string with credentials, no password variable.
        expect(name).not.toMatch(/PASSWORD|TOKEN|DATABASE_URL|CREDENTIAL/);
        expect(value).not.toMatch(/:\/\/[^/\s:@]+:[^@\s]+@/);
        if (name.endsWith('_SECRET_ARN') && value !== '') expect(value).toMatch(/^arn:aws:secretsmanager:/);
      }
    }
  });

  it('serves the billing API on an HTTP API with IAM authorization on every route and throttling set', () => {
    // Prepare
    const routes = byType(packaged, 'AWS::ApiGatewayV2::Route');
    const stages = byType(packaged, 'AWS::ApiGatewayV2::Stage');
    const apiEvents = Object.values(serverlessYml.functions).flatMap((fn) =>
      (fn.events ?? []).flatMap((event) => (event.httpApi ? [event.httpApi] : [])),
    );

    // Assess: the routes are the API's (it looks each request's route up on its route key)
    expect(routes.length).toBe(apiEvents.length);
    expect(routes.length).toBeGreaterThan(0);
    expect(routes.map(([, route]) => route.Properties.RouteKey).sort()).toEqual(
      Object.values(ApiRoute).sort(),
    );
    for (const [logicalId, route] of routes) {
      expect({ logicalId, authorization: route.Properties.AuthorizationType }).toEqual({
        logicalId,
        authorization: 'AWS_IAM',
      });
    }
    expect(stages).toHaveLength(1);
    const settings = stages[0]?.[1].Properties.DefaultRouteSettings as Record<string, number> | undefined;
    expect(settings?.ThrottlingRateLimit).toBeGreaterThan(0);
    expect(settings?.ThrottlingBurstLimit).toBeGreaterThan(0);
  });

  it('grants no KMS key with IAM auth and a database secret under the AWS-managed key', () => {
    // Assess
    for (const [, role] of byType(packaged, 'AWS::IAM::Role')) {
      expect(JSON.stringify(statementsOf(role))).not.toContain('kms:');
    }
  });

  it('passes cfn-lint', () => {
    expect(cfnLint(join(packaged.dir, 'cloudformation-template-update-stack.json'))).toEqual({
      status: 0,
      output: '',
    });
  });
});

describe('serverless.yml packaged for a SASL/SCRAM stage', () => {
  let packaged: Packaged;

  beforeAll(async () => {
    packaged = await packageService([...SCRAM_PARAMS, `databaseSecretKmsKeyArn=${DATABASE_KMS_KEY_ARN}`]);
  });
  afterAll(() => {
    if (packaged) rmSync(packaged.dir, { recursive: true, force: true });
  });

  it('gives each trigger the SCRAM secret and each role its read, and no kafka-cluster action', () => {
    // Assess
    const mappings = byType(packaged, 'AWS::Lambda::EventSourceMapping');
    expect(mappings.length).toBeGreaterThan(0);
    for (const [, mapping] of mappings) {
      expect(mapping.Properties.SourceAccessConfigurations).toEqual([
        { Type: 'SASL_SCRAM_512_AUTH', URI: SCRAM_SECRET_ARN },
      ]);
    }
    for (const [, role] of byType(packaged, 'AWS::IAM::Role')) {
      const statements = statementsOf(role);
      expect(JSON.stringify(statements)).not.toContain('kafka-cluster:');
      const usesKafka = statements.some((s) => s.Sid === 'FindCluster');
      expect(statements.find((s) => s.Sid === 'ReadSecrets')?.Resource).toEqual(
        usesKafka ? [DATABASE_SECRET_ARN, SCRAM_SECRET_ARN] : [DATABASE_SECRET_ARN],
      );
      // The triggers' pollers and the producers read the secret through Secrets Manager only.
      expect(statements.filter((s) => asArray(s.Action).includes('kms:Decrypt'))).toEqual([
        {
          Sid: 'DecryptSecrets',
          Effect: 'Allow',
          Action: ['kms:Decrypt'],
          Resource: usesKafka ? [SCRAM_KMS_KEY_ARN, DATABASE_KMS_KEY_ARN] : [DATABASE_KMS_KEY_ARN],
          Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
        },
      ]);
    }
    for (const [, fn] of byType(packaged, 'AWS::Lambda::Function')) {
      expect(fn.Properties.Environment).toMatchObject({
        Variables: { KAFKA_AUTH: 'scram', KAFKA_SCRAM_SECRET_ARN: SCRAM_SECRET_ARN },
      });
    }
  });

  it('refuses to package SCRAM without its secret, naming the parameter', async () => {
    // Act
    const failure = await packageService(['kafkaAuth=scram']).then(
      (result) => {
        rmSync(result.dir, { recursive: true, force: true });
        return 'packaged';
      },
      (error: Error) => error.message,
    );

    // Assess
    expect(failure).toMatch(/kafkaScramSecretArn must be a Secrets Manager secret ARN/);
  });

  it('refuses a SCRAM secret whose name does not start with AmazonMSK_, naming the rule', async () => {
    // Act
    const failure = await packageFailure([
      'kafkaAuth=scram',
      'kafkaScramSecretArn=arn:aws:secretsmanager:eu-west-1:123456789012:secret:billing-example/kafka-AbCdEf',
      `kafkaScramKmsKeyArn=${SCRAM_KMS_KEY_ARN}`,
    ]);

    // Assess
    expect(failure).toMatch(
      /kafkaScramSecretArn names the secret "billing-example\/kafka-AbCdEf": MSK accepts only SCRAM secrets whose name starts with AmazonMSK_/,
    );
  });

  it('refuses SCRAM without the KMS key of its secret', async () => {
    // Act
    const failure = await packageFailure(['kafkaAuth=scram', `kafkaScramSecretArn=${SCRAM_SECRET_ARN}`]);

    // Assess
    expect(failure).toMatch(/kafkaScramKmsKeyArn must be the ARN of the customer-managed KMS key/);
  });
});

describe('serverless.yml packaged with VPC endpoints', () => {
  let packaged: Packaged;

  beforeAll(async () => {
    packaged = await packageService([
      'vpcEndpoints=true',
      'vpcId=vpc-0a1b2c3d4e5f60001',
      'routeTableIds=rtb-0a1b2c3d4e5f60001',
    ]);
  });
  afterAll(() => {
    if (packaged) rmSync(packaged.dir, { recursive: true, force: true });
  });

  it('creates Secrets Manager and MSK interface endpoints and an S3 gateway endpoint the migration waits for', () => {
    // Prepare
    const endpoints = byType(packaged, 'AWS::EC2::VPCEndpoint').map(([id, endpoint]) => ({
      id,
      service: endpoint.Properties.ServiceName,
      type: endpoint.Properties.VpcEndpointType,
    }));

    // Assess
    expect(endpoints.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'BillingKafkaEndpoint', service: 'com.amazonaws.eu-west-1.kafka', type: 'Interface' },
      { id: 'BillingS3GatewayEndpoint', service: 'com.amazonaws.eu-west-1.s3', type: 'Gateway' },
      {
        id: 'BillingSecretsManagerEndpoint',
        service: 'com.amazonaws.eu-west-1.secretsmanager',
        type: 'Interface',
      },
    ]);
    expect(
      packaged.template.Resources.BillingVpcEndpointSecurityGroup?.Properties.SecurityGroupIngress,
    ).toEqual([
      expect.objectContaining({ FromPort: 443, ToPort: 443, SourceSecurityGroupId: 'sg-0a1b2c3d4e5f60001' }),
    ]);
    expect(packaged.template.Resources[MIGRATION_RESOURCE_ID]?.DependsOn?.sort()).toEqual(
      endpoints.map((endpoint) => endpoint.id).sort(),
    );
  });

  it('passes cfn-lint', () => {
    expect(cfnLint(join(packaged.dir, 'cloudformation-template-update-stack.json'))).toEqual({
      status: 0,
      output: '',
    });
  });
});

describe('serverless.yml without a stage', () => {
  it('fails with one line naming the parameters a stage needs', async () => {
    // Act
    const failure = await packageService([], null).then(
      (result) => {
        rmSync(result.dir, { recursive: true, force: true });
        return 'packaged';
      },
      (error: Error) => error.message,
    );

    // Assess
    const lines = failure.split('\n').filter((line) => line.includes('has no parameters'));
    expect(lines).toEqual([
      expect.stringContaining(
        'stage "dev" has no parameters: add params.dev with region, mskClusterArn, subnetIds, securityGroupIds, databaseSecretArn and alarmEmail',
      ),
    ]);
    expect(failure).not.toMatch(/\n\s+at /);
  });
});
