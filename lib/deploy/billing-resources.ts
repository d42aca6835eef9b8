import { billingTopics, type TopicName } from '../kafka/topics';

/**
 * CloudFormation the deployment derives from each function's declaration in serverless.yml: a
 * least-privilege IAM role per function, its Errors and Throttles alarms, the OffsetLag alarm of
 * each MSK trigger. Pure: the Serverless plugin (serverless-plugin.cjs) feeds it the resolved
 * configuration and merges the result into the compiled template.
 */

export const KafkaAuth = { iam: 'iam', scram: 'scram' } as const;
export type KafkaAuth = (typeof KafkaAuth)[keyof typeof KafkaAuth];

/** The deployment settings of a stage (custom.billing in serverless.yml, resolved). */
export interface BillingDeploySettings {
  readonly stage: string;
  readonly region: string;
  readonly mskClusterArn: string;
  readonly kafkaAuth: KafkaAuth;
  /** Secrets Manager ARN of the SASL/SCRAM credentials; only with kafkaAuth=scram. */
  readonly kafkaScramSecretArn?: string;
  readonly databaseSecretArn: string;
  readonly deadLetterTopic: TopicName;
  readonly offsetLagThreshold: number;
  /** Records a function dead-letters in 5 minutes at which its dead-letter alarm fires. */
  readonly deadLettersReceivedThreshold: number;
  /** Powertools metrics namespace of the functions' own metrics. */
  readonly metricsNamespace: string;
  /** Logical id of the SNS topic the alarms notify. */
  readonly alarmTopic: string;
}

/** An MSK trigger as compiled by the framework. */
export interface KafkaTrigger {
  readonly topic: TopicName;
  readonly consumerGroupId: string;
  /** Logical id of the AWS::Lambda::EventSourceMapping resource. */
  readonly mappingLogicalId: string;
}

/** A function of the service, as the plugin reads it. */
export interface BillingFunction {
  /** The key under `functions` (e.g. accountProjector). */
  readonly key: string;
  /** The deployed function name (billing-<stage>-<key>). */
  readonly name: string;
  /** Logical id prefix the framework uses (e.g. AccountProjector). */
  readonly logicalName: string;
  /** Powertools service name, the `service` dimension of its metrics (e.g. account-projector). */
  readonly serviceName: string;
  readonly produces: readonly TopicName[];
  readonly triggers: readonly KafkaTrigger[];
}

export type CfnValue = string | number | boolean | null | CfnValue[] | { [key: string]: CfnValue };
export type CfnResources = Record<string, { Type: string; Properties: Record<string, CfnValue> }>;

/** The settings or a function declaration cannot be deployed; names what is wrong. */
export class DeployConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(`Invalid deployment configuration: ${message}`, options);
    this.name = 'DeployConfigError';
  }
}

const MSK_CLUSTER_ARN =
  /^arn:(aws[a-z-]*):kafka:([a-z0-9-]+):([0-9]{12}):cluster\/([A-Za-z0-9-]+)\/([0-9a-f-]+-[0-9]+)$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const TOPIC_NAMES: readonly string[] = billingTopics.map((topic) => topic.name);

/** The Lambda network-interface actions: IAM cannot scope them to resources, so they take `*`. */
export const NETWORK_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
  'ec2:DescribeSubnets',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeVpcs',
] as const;

interface ClusterArnParts {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly name: string;
  readonly uuid: string;
}

function clusterArnParts(arn: string): ClusterArnParts {
  const match = MSK_CLUSTER_ARN.exec(arn);
  if (!match) {
    throw new DeployConfigError(
      `mskClusterArn must be an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>), got "${arn}"`,
    );
  }
  const [, partition = '', region = '', account = '', name = '', uuid = ''] = match;
  return { partition, region, account, name, uuid };
}

/** Checks the stage settings: a malformed ARN or a contradictory auth mode fails the packaging. */
export function validateSettings(settings: BillingDeploySettings): void {
  const cluster = clusterArnParts(settings.mskClusterArn);
  if (cluster.region !== settings.region) {
    throw new DeployConfigError(
      `the MSK cluster is in ${cluster.region} but the stage deploys to ${settings.region}; MSK triggers need the same region`,
    );
  }
  if (!SECRET_ARN.test(settings.databaseSecretArn)) {
    throw new DeployConfigError('databaseSecretArn must be a Secrets Manager secret ARN');
  }
  if (!Object.values(KafkaAuth).includes(settings.kafkaAuth)) {
    throw new DeployConfigError(`kafkaAuth must be iam or scram, got "${String(settings.kafkaAuth)}"`);
  }
  const scramSecret = settings.kafkaScramSecretArn ?? '';
  if (settings.kafkaAuth === KafkaAuth.scram && !SECRET_ARN.test(scramSecret)) {
    throw new DeployConfigError(
      'kafkaAuth is scram: kafkaScramSecretArn must be a Secrets Manager secret ARN',
    );
  }
  if (settings.kafkaAuth === KafkaAuth.iam && scramSecret !== '') {
    throw new DeployConfigError(
      'kafkaScramSecretArn is set but kafkaAuth is iam: set kafkaAuth to scram or clear it',
    );
  }
  for (const name of ['offsetLagThreshold', 'deadLettersReceivedThreshold'] as const) {
    if (!Number.isFinite(settings[name]) || settings[name] <= 0) {
      throw new DeployConfigError(`${name} must be a positive number`);
    }
  }
}

/** Checks the functions: known topics, one consumer group per trigger, no group shared. */
export function validateFunctions(functions: readonly BillingFunction[]): void {
  const groups = new Map<string, string>();
  for (const fn of functions) {
    for (const topic of fn.produces) {
      if (!TOPIC_NAMES.includes(topic)) {
        throw new DeployConfigError(`${fn.key}.kafkaProduces names "${topic}", not a billing topic`);
      }
    }
    for (const trigger of fn.triggers) {
      if (!TOPIC_NAMES.includes(trigger.topic)) {
        throw new DeployConfigError(
          `${fn.key} has an msk trigger on "${trigger.topic}", not a billing topic`,
        );
      }
      if (trigger.consumerGroupId === '') {
        throw new DeployConfigError(
          `${fn.key}'s msk trigger on ${trigger.topic} needs its own consumerGroupId`,
        );
      }
      const owner = groups.get(trigger.consumerGroupId);
      if (owner !== undefined) {
        throw new DeployConfigError(
          `consumer group ${trigger.consumerGroupId} is used by ${owner} and ${fn.key}: each trigger needs its own`,
        );
      }
      groups.set(trigger.consumerGroupId, fn.key);
    }
  }
}

const kafkaArn = (cluster: ClusterArnParts, kind: 'topic' | 'group', name: string): string =>
  `arn:${cluster.partition}:kafka:${cluster.region}:${cluster.account}:${kind}/${cluster.name}/${cluster.uuid}/${name}`;

const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];

/** The statements of one function's role: its log group, its topics and groups, its secrets. */
export function roleStatements(fn: BillingFunction, settings: BillingDeploySettings): CfnValue[] {
  const cluster = clusterArnParts(settings.mskClusterArn);
  const readTopics = unique(fn.triggers.map((trigger) => trigger.topic));
  // A trigger's on-failure destination writes to the dead-letter topic with this role.
  const destination = fn.triggers.some((trigger) => trigger.topic !== settings.deadLetterTopic);
  const writeTopics = unique([...fn.produces, ...(destination ? [settings.deadLetterTopic] : [])]);
  const secrets = [
    settings.databaseSecretArn,
    ...(settings.kafkaAuth === KafkaAuth.scram && settings.kafkaScramSecretArn
      ? [settings.kafkaScramSecretArn]
      : []),
  ];
  const statements: CfnValue[] = [
    {
      Sid: 'WriteOwnLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [{ 'Fn::GetAtt': [`${fn.logicalName}LogGroup`, 'Arn'] }],
    },
    {
      Sid: 'LambdaNetworkInterfaces',
      Effect: 'Allow',
      Action: [...NETWORK_INTERFACE_ACTIONS],
      Resource: '*',
    },
    {
      Sid: 'FindCluster',
      Effect: 'Allow',
      Action: ['kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'],
      Resource: [settings.mskClusterArn],
    },
    {
      Sid: 'ReadSecrets',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: secrets,
    },
  ];
  // With SASL/SCRAM the brokers authorise with Kafka ACLs; kafka-cluster actions apply to IAM only.
  if (settings.kafkaAuth === KafkaAuth.iam) {
    statements.push({
      Sid: 'ConnectToCluster',
      Effect: 'Allow',
      Action: [
        'kafka-cluster:Connect',
        'kafka-cluster:DescribeClusterDynamicConfiguration',
        // The event store's producer is idempotent.
        ...(writeTopics.length > 0 ? ['kafka-cluster:WriteDataIdempotently'] : []),
      ],
      Resource: [settings.mskClusterArn],
    });
    if (readTopics.length > 0) {
      statements.push(
        {
          Sid: 'ReadTriggerTopics',
          Effect: 'Allow',
          Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
          Resource: readTopics.map((topic) => kafkaArn(cluster, 'topic', topic)),
        },
        {
          Sid: 'UseOwnConsumerGroups',
          Effect: 'Allow',
          Action: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
          Resource: fn.triggers.map((trigger) => kafkaArn(cluster, 'group', trigger.consumerGroupId)),
        },
      );
    }
    if (writeTopics.length > 0) {
      statements.push({
        Sid: 'WriteTopics',
        Effect: 'Allow',
        Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
        Resource: writeTopics.map((topic) => kafkaArn(cluster, 'topic', topic)),
      });
    }
  }
  return statements;
}

const normalizedTopic = (topic: string): string => {
  const alphanumeric = topic.replace(/[^0-9A-Za-z]/g, '');
  return alphanumeric.charAt(0).toUpperCase() + alphanumeric.slice(1);
};

function alarm(settings: BillingDeploySettings, properties: Record<string, CfnValue>) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      ...properties,
      AlarmActions: [{ Ref: settings.alarmTopic }],
      OKActions: [{ Ref: settings.alarmTopic }],
    },
  };
}

/** The role and alarms of every function, keyed by logical id. */
export function billingResources(
  functions: readonly BillingFunction[],
  settings: BillingDeploySettings,
): CfnResources {
  validateSettings(settings);
  validateFunctions(functions);
  const resources: CfnResources = {};
  for (const fn of functions) {
    const functionRef = { Ref: `${fn.logicalName}LambdaFunction` };
    resources[roleLogicalId(fn.logicalName)] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: `Execution role of ${fn.name}: only its log group, topics, consumer groups and secrets`,
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        },
        Policies: [
          {
            PolicyName: `${fn.name}-least-privilege`,
            PolicyDocument: { Version: '2012-10-17', Statement: roleStatements(fn, settings) },
          },
        ],
      },
    };
    resources[`${fn.logicalName}ErrorsAlarm`] = alarm(settings, {
      AlarmName: `${fn.name}-errors`,
      AlarmDescription:
        `${fn.name} failed an invocation. Its MSK trigger retries the batch, so the partition waits: ` +
        `read the function's log group for the error, fix the cause (database or Kafka reachable, secret ` +
        `readable, code), and watch OffsetLag fall. No data means no invocation, which is not an error.`,
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: functionRef }],
      Statistic: 'Sum',
      // One-minute periods, one datapoint: a failed invocation alarms within a minute.
      Period: 60,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    resources[`${fn.logicalName}ThrottlesAlarm`] = alarm(settings, {
      AlarmName: `${fn.name}-throttles`,
      AlarmDescription:
        `${fn.name} was throttled: the account or the function ran out of concurrency, and its ` +
        `partitions fall behind. Check ConcurrentExecutions against the account limit and any reserved ` +
        `concurrency, then raise the limit or lower maximumPollers. No data means no throttle.`,
      Namespace: 'AWS/Lambda',
      MetricName: 'Throttles',
      Dimensions: [{ Name: 'FunctionName', Value: functionRef }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    if (fn.triggers.length > 0) {
      resources[`${fn.logicalName}DeadLetteredAlarm`] = alarm(settings, {
        AlarmName: `${fn.name}-dead-lettered`,
        AlarmDescription:
          `${fn.name} sent ${settings.deadLettersReceivedThreshold} or more records to billing.dead-letter ` +
          `in 5 minutes. Look at the failure class and code of the recent letters (dead-letter CLI, or the ` +
          `function's "dead-lettered" log lines): many deferred ones point at an ordering problem upstream, ` +
          `many permanent ones at a producer sending invalid events. No data means none were dead-lettered.`,
        Namespace: settings.metricsNamespace,
        MetricName: 'RecordsDeadLettered',
        Dimensions: [{ Name: 'service', Value: fn.serviceName }],
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: settings.deadLettersReceivedThreshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
    for (const trigger of fn.triggers) {
      resources[`${fn.logicalName}OffsetLagAlarm${normalizedTopic(trigger.topic)}`] = alarm(settings, {
        AlarmName: `${fn.name}-${trigger.topic}-offset-lag`,
        AlarmDescription:
          `${fn.name} is more than ${settings.offsetLagThreshold} records behind on ${trigger.topic} ` +
          `(consumer group ${trigger.consumerGroupId}) for 15 minutes. If its Errors alarm is also on, ` +
          `fix that first; otherwise it cannot keep up: check Duration and Throttles, raise maximumPollers ` +
          `(up to the partition count) or the batch size. No data means the trigger reports no lag.`,
        Namespace: 'AWS/Lambda',
        MetricName: 'OffsetLag',
        Dimensions: [
          { Name: 'FunctionName', Value: functionRef },
          { Name: 'EventSourceMappingUUID', Value: { Ref: trigger.mappingLogicalId } },
        ],
        Statistic: 'Maximum',
        // Pollers take minutes to scale out: only a lag that lasts is worth waking someone for.
        Period: 300,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        Threshold: settings.offsetLagThreshold,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
  }
  return resources;
}

/** Logical id of a function's execution role. */
export const roleLogicalId = (logicalName: string): string => `${logicalName}ExecutionRole`;

/** The trigger properties that SASL/SCRAM needs (none with IAM, where the role authenticates). */
export function triggerAccessConfigurations(settings: BillingDeploySettings): CfnValue[] | undefined {
  return settings.kafkaAuth === KafkaAuth.scram && settings.kafkaScramSecretArn
    ? [{ Type: 'SASL_SCRAM_512_AUTH', URI: settings.kafkaScramSecretArn }]
    : undefined;
}

/** A function key in kebab case: its Powertools service name (accountProjector: account-projector). */
export const serviceNameOf = (key: string): string =>
  key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
