import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { parse } from 'yaml';
import { billingTopics, TopicName } from '../kafka/topics';
import { NETWORK_INTERFACE_ACTIONS, serviceNameOf } from './billing-resources';

/*
 * Packages serverless.yml for the `example` stage exactly as CI and a developer would (`sls package`,
 * no AWS credentials), then reads the generated CloudFormation template and the bundles.
 */

/** DESIGN.md topics whose consumer function does not exist yet. Remove a topic when its consumer lands. */
const TOPICS_WITHOUT_CONSUMER_YET: Readonly<Partial<Record<TopicName, string>>> = {};

const CFN_LINT_VERSION = '1.58.0';
const STAGE = 'example';
const ROOT = join(__dirname, '..', '..');
const SLS = join(ROOT, 'node_modules', '.bin', 'sls');
const SCRAM_SECRET_ARN =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_billing-example-AbCdEf';

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

function packageService(params: readonly string[] = []): Promise<Packaged> {
  const dir = mkdtempSync(join(tmpdir(), 'billing-sls-'));
  const home = mkdtempSync(join(tmpdir(), 'billing-sls-home-'));
  const args = [
    'package',
    '--stage',
    STAGE,
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

/** The entries of a zip file (central directory; stored or deflated). */
function readZip(file: string): Map<string, Buffer> {
  const zip = readFileSync(file);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i += 1) {
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localHeader = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    const dataStart =
      localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    entries.set(name, method === 0 ? Buffer.from(data) : inflateRawSync(data));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
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

  it('bundles each function on its own, its handler only, in a small zip', () => {
    // Assess
    for (const [key, fn] of Object.entries(serverlessYml.functions)) {
      const file = join(packaged.dir, `${key}.zip`);
      const handlerFile = `${fn.handler.slice(0, fn.handler.lastIndexOf('.'))}.js`;
      expect([...readZip(file).keys()].sort()).toEqual([handlerFile, `${handlerFile}.map`]);
      expect(statSync(file).size).toBeLessThan(3 * 1024 * 1024);
    }
  });

  it('triggers a function on every DESIGN.md topic, except those listed as not built yet', () => {
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
        const properties = found[0]?.[1].Properties ?? {};
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
    for (const alarm of alarms) {
      expect(alarm).toMatchObject(toTopic);
      expect(String(alarm.AlarmDescription).length).toBeGreaterThan(80);
      expect(alarm.TreatMissingData).toBe('notBreaching');
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
      if (!(fn.events ?? []).some((event) => event.msk)) continue;
      expect(
        alarms.filter(
          (alarm) =>
            alarm.MetricName === 'RecordsDeadLettered' &&
            JSON.stringify(alarm.Dimensions) ===
              JSON.stringify([{ Name: 'service', Value: serviceNameOf(key) }]),
        ),
      ).toHaveLength(1);
    }
  });

  it('names Powertools namespace and service consistently with the alarms', () => {
    // Assess
    for (const [key] of Object.entries(serverlessYml.functions)) {
      const fn = packaged.template.Resources[`${logicalNameOf(key)}LambdaFunction`];
      const environment = fn?.Properties.Environment as { Variables: Record<string, string> } | undefined;
      expect(environment?.Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: serviceNameOf(key),
        POWERTOOLS_METRICS_NAMESPACE: 'BillingKafka',
      });
    }
    expect(
      byType(packaged, 'AWS::Logs::LogGroup').map(([, group]) => group.Properties.RetentionInDays),
    ).toEqual(functionKeys.map(() => 30));
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

      expect(allowed('kafka:DescribeClusterV2')).toEqual([clusterArn()]);
      expect(allowed('kafka-cluster:Connect')).toEqual([clusterArn()]);
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

    // Assess
    expect(routes.length).toBe(apiEvents.length);
    expect(routes.length).toBeGreaterThan(0);
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

  it('passes cfn-lint', () => {
    // Prepare
    const template = join(packaged.dir, 'cloudformation-template-update-stack.json');
    const runCfnLint = 'import sys; from cfnlint.runner import main; sys.argv[0] = "cfn-lint"; main()';

    // Act: the cfn-lint command, or its module where pip put no script on the PATH
    let lint = spawnSync('cfn-lint', [template], { encoding: 'utf8' });
    if (lint.error) lint = spawnSync('python3', ['-c', runCfnLint, template], { encoding: 'utf8' });

    // Assess
    if (lint.error || /No module named .?cfnlint/.test(lint.stderr)) {
      throw new Error(`cfn-lint is not installed: pip install cfn-lint==${CFN_LINT_VERSION}`);
    }
    expect({ status: lint.status, output: `${lint.stdout}${lint.stderr}` }).toEqual({
      status: 0,
      output: '',
    });
  });
});

describe('serverless.yml packaged for a SASL/SCRAM stage', () => {
  let packaged: Packaged;

  beforeAll(async () => {
    packaged = await packageService(['kafkaAuth=scram', `kafkaScramSecretArn=${SCRAM_SECRET_ARN}`]);
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
      expect(statements.find((s) => s.Sid === 'ReadSecrets')?.Resource).toContain(SCRAM_SECRET_ARN);
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
});
