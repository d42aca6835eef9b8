import type { TopicName } from '../../schemas';
import { billingTopics } from '../kafka/topic-specs';
import { kafkaRightsOf, usesKafka as usesKafkaAtAll } from './kafka-rights';

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
  /** The customer-managed KMS key of the SCRAM secret (MSK refuses a secret under the AWS key). */
  readonly kafkaScramKmsKeyArn?: string;
  readonly databaseSecretArn: string;
  /** The customer-managed KMS key of the database secret, if it has one. */
  readonly databaseSecretKmsKeyArn?: string;
  /** Topics that always carry traffic: a trigger on one that reports no lag alarms. */
  readonly neverIdleTopics: readonly string[];
  /** p99 latency (ms) of the billing API, sustained 15 minutes, at which it alarms. */
  readonly apiLatencyThresholdMs: number;
  /** Concurrent executions claimed in the account at which the concurrency alarm fires. */
  readonly concurrencyThreshold: number;
  /** Age (seconds) of the oldest unresolved dead letter at which it alarms. */
  readonly deadLetterAgeThresholdSeconds: number;
  /** Interface endpoints for Secrets Manager and MSK in the functions' VPC (no NAT needed). */
  readonly vpcEndpoints?: VpcEndpointSettings;
  readonly deadLetterTopic: TopicName;
  readonly offsetLagThreshold: number;
  /** Records a function dead-letters in 5 minutes at which its dead-letter alarm fires. */
  readonly deadLettersReceivedThreshold: number;
  /** Powertools metrics namespace of the functions' own metrics. */
  readonly metricsNamespace: string;
  /** Logical id of the SNS topic the alarms notify. */
  readonly alarmTopic: string;
}

/** Where the optional VPC endpoints go: the functions' VPC, subnets and security groups. */
export interface VpcEndpointSettings {
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  /** Route tables of the subnets: an S3 gateway endpoint answers CloudFormation's custom resources. */
  readonly routeTableIds: readonly string[];
}

/** An MSK trigger as compiled by the framework. */
export interface KafkaTrigger {
  readonly topic: TopicName;
  /** Ends in `.v<N>`: a new version is a new consumer group, hence a new trigger. */
  readonly consumerGroupId: string;
  /** Logical id of the AWS::Lambda::EventSourceMapping resource (versioned: see triggerLogicalId). */
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
  /** The function's timeout in seconds (its duration alarm fires near it). */
  readonly timeoutSeconds: number;
  /** Invoked by a schedule: an alarm fires when it stops running. */
  readonly scheduled: boolean;
  /** Serves HTTP API routes. */
  readonly http: boolean;
}

export type CfnValue = string | number | boolean | null | CfnValue[] | { [key: string]: CfnValue };
export type CfnResources = Record<
  string,
  { Type: string; Properties: Record<string, CfnValue>; DependsOn?: string[] }
>;

/** The settings or a function declaration cannot be deployed; names what is wrong. */
export class DeployConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(`Invalid deployment configuration: ${message}`, options);
    this.name = 'DeployConfigError';
  }
}

const MSK_CLUSTER_ARN =
  /^arn:(aws[a-z-]*):kafka:([a-z0-9-]+):([0-9]{12}):cluster\/([A-Za-z0-9-]+)\/([0-9a-f-]+-[0-9]+)$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):[0-9]{12}:secret:([A-Za-z0-9/_+=.@-]+)$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):[0-9]{12}:key\/[0-9a-f-]+$/;
/** MSK associates only SCRAM secrets whose name starts with this. */
export const MSK_SCRAM_SECRET_PREFIX = 'AmazonMSK_';
const CONSUMER_GROUP_VERSION = /\.v([1-9][0-9]*)$/;
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
  if (settings.kafkaAuth === KafkaAuth.scram) {
    const secretName = SECRET_ARN.exec(scramSecret)?.[2] ?? '';
    if (!secretName.startsWith(MSK_SCRAM_SECRET_PREFIX)) {
      throw new DeployConfigError(
        `kafkaScramSecretArn names the secret "${secretName}": MSK accepts only SCRAM secrets whose name starts with ${MSK_SCRAM_SECRET_PREFIX}`,
      );
    }
    if (!KMS_KEY_ARN.test(settings.kafkaScramKmsKeyArn ?? '')) {
      throw new DeployConfigError(
        'kafkaAuth is scram: kafkaScramKmsKeyArn must be the ARN of the customer-managed KMS key that encrypts the SCRAM secret (arn:aws:kms:<region>:<account>:key/<id>)',
      );
    }
  }
  const databaseKey = settings.databaseSecretKmsKeyArn ?? '';
  if (databaseKey !== '' && !KMS_KEY_ARN.test(databaseKey)) {
    throw new DeployConfigError('databaseSecretKmsKeyArn must be a KMS key ARN, or empty');
  }
  if (settings.kafkaAuth === KafkaAuth.iam && scramSecret !== '') {
    throw new DeployConfigError(
      'kafkaScramSecretArn is set but kafkaAuth is iam: set kafkaAuth to scram or clear it',
    );
  }
  for (const topic of settings.neverIdleTopics) {
    if (!TOPIC_NAMES.includes(topic)) {
      throw new DeployConfigError(`neverIdleTopics names "${topic}", not a billing topic`);
    }
  }
  const endpoints = settings.vpcEndpoints;
  if (endpoints) {
    if (!/^vpc-[0-9a-f]+$/.test(endpoints.vpcId)) {
      throw new DeployConfigError("vpcEndpoints is true: vpcId must be the id of the functions' VPC");
    }
    if (endpoints.subnetIds.length === 0 || endpoints.securityGroupIds.length === 0) {
      throw new DeployConfigError('vpcEndpoints is true: subnetIds and securityGroupIds must not be empty');
    }
  }
  for (const name of [
    'offsetLagThreshold',
    'deadLettersReceivedThreshold',
    'apiLatencyThresholdMs',
    'concurrencyThreshold',
    'deadLetterAgeThresholdSeconds',
  ] as const) {
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
      if (!CONSUMER_GROUP_VERSION.test(trigger.consumerGroupId)) {
        throw new DeployConfigError(
          `${fn.key}'s msk trigger on ${trigger.topic} needs its own consumerGroupId ending in .v<N> (got "${trigger.consumerGroupId}")`,
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
  // The same rights give the function's Kafka ACLs under SASL/SCRAM (kafka-rights.ts).
  const rights = kafkaRightsOf(fn, settings.deadLetterTopic);
  const { readTopics, writeTopics } = rights;
  // A function with no trigger and no topic to write (the migration function) never meets Kafka.
  const usesKafka = usesKafkaAtAll(rights);
  const scram = settings.kafkaAuth === KafkaAuth.scram && usesKafka;
  const secrets = [
    settings.databaseSecretArn,
    ...(scram && settings.kafkaScramSecretArn ? [settings.kafkaScramSecretArn] : []),
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
      Sid: 'ReadSecrets',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: secrets,
    },
  ];
  // A secret under a customer-managed key: Secrets Manager decrypts it on the role's behalf, and
  // only Secrets Manager may use the key this way (the trigger's poller reads the SCRAM secret with
  // this role too).
  const keys = unique(
    [scram ? settings.kafkaScramKmsKeyArn : undefined, settings.databaseSecretKmsKeyArn].filter(
      (key): key is string => key !== undefined && key !== '',
    ),
  );
  if (keys.length > 0) {
    statements.push({
      Sid: 'DecryptSecrets',
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: keys,
      Condition: {
        StringEquals: { 'kms:ViaService': `secretsmanager.${settings.region}.amazonaws.com` },
      },
    });
  }
  // With SASL/SCRAM the brokers authorise with Kafka ACLs; kafka-cluster actions apply to IAM only.
  if (usesKafka) {
    statements.splice(2, 0, {
      Sid: 'FindCluster',
      Effect: 'Allow',
      Action: ['kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'],
      Resource: [settings.mskClusterArn],
    });
  }
  if (settings.kafkaAuth === KafkaAuth.iam && usesKafka) {
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
          Resource: rights.groups.map((group) => kafkaArn(cluster, 'group', group)),
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

function alarm(settings: BillingDeploySettings, properties: Record<string, CfnValue>): CfnResources[string] {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      ...properties,
      AlarmActions: [{ Ref: settings.alarmTopic }],
      OKActions: [{ Ref: settings.alarmTopic }],
    },
  };
}

/** The version of a consumer group (`billing.prod.account-projector.v2`: 2). */
export function consumerGroupVersion(consumerGroupId: string): number {
  const version = CONSUMER_GROUP_VERSION.exec(consumerGroupId)?.[1];
  if (version === undefined) {
    throw new DeployConfigError(`consumer group ${consumerGroupId} does not end in .v<N>`);
  }
  return Number(version);
}

/**
 * The logical id of a trigger: the framework's id plus the consumer group's version. A consumer
 * group cannot change on an existing trigger, so a new version must be a new resource (and its
 * alarms new alarms): CloudFormation creates it, then deletes the old one.
 */
export const triggerLogicalId = (frameworkLogicalId: string, consumerGroupId: string): string =>
  `${frameworkLogicalId}V${consumerGroupVersion(consumerGroupId)}`;

/** What a trigger's event source mapping publishes: event counts, errors, Kafka lag. */
export const TRIGGER_METRICS = ['EventCount', 'ErrorCount', 'KafkaMetrics'] as const;

/** The trigger errors (ErrorCount group) that mean records are not being consumed or committed. */
export const TRIGGER_ERROR_METRICS = [
  'PollingErrorCount',
  'InvokeErrorCount',
  'OnFailureDestinationDeliveryErrorCount',
  'CommitErrorCount',
] as const;

/** The key under `functions` of the function that migrates the read model during a deploy. */
export const MIGRATION_FUNCTION_KEY = 'migrateReadModel';
/** Logical id of the custom resource that runs the migrations before the triggers exist. */
export const MIGRATION_RESOURCE_ID = 'ReadModelMigration';
/** Logical id of the billing API (the framework's HTTP API). */
export const HTTP_API_ID = 'HttpApi';

const triggerSuffix = (trigger: KafkaTrigger): string =>
  `${normalizedTopic(trigger.topic)}V${consumerGroupVersion(trigger.consumerGroupId)}`;

/** The alarms of one MSK trigger: lag, errors, records it dead-lettered, and not polling. */
function triggerAlarms(
  fn: BillingFunction,
  trigger: KafkaTrigger,
  settings: BillingDeploySettings,
): CfnResources {
  const functionRef = { Ref: `${fn.logicalName}LambdaFunction` };
  const mappingRef = { Ref: trigger.mappingLogicalId };
  const suffix = triggerSuffix(trigger);
  const name = `${fn.name}-${trigger.topic}-v${consumerGroupVersion(trigger.consumerGroupId)}`;
  const neverIdle = settings.neverIdleTopics.includes(trigger.topic);
  const resources: CfnResources = {};
  resources[`${fn.logicalName}OffsetLagAlarm${suffix}`] = alarm(settings, {
    AlarmName: `${name}-offset-lag`,
    AlarmDescription:
      `${fn.name} is more than ${settings.offsetLagThreshold} records behind on ${trigger.topic} ` +
      `(consumer group ${trigger.consumerGroupId}) for 15 minutes. If its Errors alarm is also on, ` +
      `fix that first; otherwise it cannot keep up: check Duration and Throttles, raise maximumPollers ` +
      `(up to the partition count) or the batch size. ` +
      (neverIdle
        ? 'This topic is never idle: no data means the trigger is not polling (disabled, or cannot reach or authenticate to the brokers); see its StateTransitionReason.'
        : 'No data means the trigger reports no lag.'),
    Namespace: 'AWS/Lambda',
    MetricName: 'OffsetLag',
    Dimensions: [
      { Name: 'FunctionName', Value: functionRef },
      { Name: 'EventSourceMappingUUID', Value: mappingRef },
    ],
    Statistic: 'Maximum',
    // Pollers take minutes to scale out: only a lag that lasts is worth waking someone for.
    Period: 300,
    EvaluationPeriods: 3,
    DatapointsToAlarm: 3,
    Threshold: settings.offsetLagThreshold,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: neverIdle ? 'breaching' : 'notBreaching',
  });
  // The ErrorCount metrics exist only when something failed: no data is no error.
  resources[`${fn.logicalName}TriggerErrorsAlarm${suffix}`] = alarm(settings, {
    AlarmName: `${name}-trigger-errors`,
    AlarmDescription:
      `The trigger of ${fn.name} on ${trigger.topic} failed to poll the brokers, invoke the function, ` +
      `commit offsets or deliver to the dead-letter topic. Read the trigger's StateTransitionReason ` +
      `and LastProcessingResult (aws lambda get-event-source-mapping), then check the network path to ` +
      `the brokers, the role's kafka-cluster or secret permissions, and the KMS key. No data means no error.`,
    Metrics: [
      ...TRIGGER_ERROR_METRICS.map((metric, index) => ({
        Id: `m${index}`,
        ReturnData: false,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/Lambda',
            MetricName: metric,
            Dimensions: [{ Name: 'EventSourceMappingUUID', Value: mappingRef }],
          },
          Period: 60,
          Stat: 'Sum',
        },
      })),
      {
        Id: 'errors',
        Label: 'Trigger errors',
        Expression: TRIGGER_ERROR_METRICS.map((_, index) => `FILL(m${index}, 0)`).join(' + '),
        ReturnData: true,
      },
    ],
    EvaluationPeriods: 1,
    DatapointsToAlarm: 1,
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching',
  });
  // An enabled trigger reports PolledEventCount even for an empty poll (0): no data at all means
  // it is not Enabled (disabled, still creating, or failed), whatever the topic's traffic.
  resources[`${fn.logicalName}TriggerNotPollingAlarm${suffix}`] = alarm(settings, {
    AlarmName: `${name}-not-polling`,
    AlarmDescription:
      `The trigger of ${fn.name} on ${trigger.topic} (consumer group ${trigger.consumerGroupId}) reported ` +
      `no poll for 15 minutes: its state is not Enabled. Read State and StateTransitionReason ` +
      `(aws lambda get-event-source-mapping), fix the cause (subnets and security group, secret, KMS ` +
      `key, role), then enable it. Missing data is the signal here.`,
    Namespace: 'AWS/Lambda',
    MetricName: 'PolledEventCount',
    Dimensions: [{ Name: 'EventSourceMappingUUID', Value: mappingRef }],
    Statistic: 'SampleCount',
    Period: 300,
    EvaluationPeriods: 3,
    DatapointsToAlarm: 3,
    Threshold: 1,
    ComparisonOperator: 'LessThanThreshold',
    TreatMissingData: 'breaching',
  });
  // Records that Lambda itself gave up on after MaximumRetryAttempts and sent to billing.dead-letter.
  if (trigger.topic !== settings.deadLetterTopic) {
    resources[`${fn.logicalName}TriggerDeadLetteredAlarm${suffix}`] = alarm(settings, {
      AlarmName: `${name}-trigger-dead-lettered`,
      AlarmDescription:
        `The trigger of ${fn.name} on ${trigger.topic} sent records to ${settings.deadLetterTopic} after ` +
        `exhausting its retries: the function kept failing on them (an outage that lasted, or a crash). ` +
        `The dead-letter functions store them for retry; read the function's errors for the cause. ` +
        `No data means none were sent.`,
      Namespace: 'AWS/Lambda',
      MetricName: 'OnFailureDestinationDeliveredEventCount',
      Dimensions: [{ Name: 'EventSourceMappingUUID', Value: mappingRef }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  }
  return resources;
}

/** The alarms of one function: errors, throttles, duration near its timeout, dead letters. */
function functionAlarms(fn: BillingFunction, settings: BillingDeploySettings): CfnResources {
  const functionRef = { Ref: `${fn.logicalName}LambdaFunction` };
  const resources: CfnResources = {};
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
  const nearTimeoutMs = Math.round(fn.timeoutSeconds * 1000 * 0.8);
  resources[`${fn.logicalName}DurationAlarm`] = alarm(settings, {
    AlarmName: `${fn.name}-duration-near-timeout`,
    AlarmDescription:
      `An invocation of ${fn.name} took more than 80% of its ${fn.timeoutSeconds} s timeout: the next ` +
      `slower one times out and its batch is retried. Look at the database (locks, slow queries) and ` +
      `Kafka latency in the function's logs, or lower the batch size. No data means no invocation.`,
    Namespace: 'AWS/Lambda',
    MetricName: 'Duration',
    Dimensions: [{ Name: 'FunctionName', Value: functionRef }],
    Statistic: 'Maximum',
    Period: 300,
    EvaluationPeriods: 1,
    Threshold: nearTimeoutMs,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching',
  });
  // Only the functions that dead-letter records themselves emit RecordsDeadLettered; the
  // dead-letter function stores letters and has nowhere to send its own.
  if (fn.triggers.some((trigger) => trigger.topic !== settings.deadLetterTopic)) {
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
  if (fn.scheduled) {
    resources[`${fn.logicalName}NotRunningAlarm`] = alarm(settings, {
      AlarmName: `${fn.name}-not-running`,
      AlarmDescription:
        `${fn.name} runs on a schedule and was not invoked for 10 minutes: due dead letters are not ` +
        `retried. Check that its EventBridge rule is enabled and that the function exists. Missing ` +
        `data is the signal here.`,
      Namespace: 'AWS/Lambda',
      MetricName: 'Invocations',
      Dimensions: [{ Name: 'FunctionName', Value: functionRef }],
      Statistic: 'Sum',
      Period: 600,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  }
  return resources;
}

/** Stage-wide alarms: the billing API, the account's concurrency, the oldest open dead letter. */
function stageAlarms(functions: readonly BillingFunction[], settings: BillingDeploySettings): CfnResources {
  const resources: CfnResources = {};
  const prefix = `billing-${settings.stage}`;
  resources.BillingConcurrencyAlarm = alarm(settings, {
    AlarmName: `${prefix}-concurrency`,
    AlarmDescription:
      `The account's claimed concurrency passed ${settings.concurrencyThreshold}: soon the functions ` +
      `are throttled and partitions fall behind. Raise the account's concurrency quota, or lower ` +
      `maximumPollers. No data means no function ran.`,
    Namespace: 'AWS/Lambda',
    MetricName: 'ClaimedAccountConcurrency',
    Statistic: 'Maximum',
    Period: 300,
    EvaluationPeriods: 1,
    Threshold: settings.concurrencyThreshold,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching',
  });
  resources.DeadLetterOldestUnresolvedAlarm = alarm(settings, {
    AlarmName: `${prefix}-dead-letter-oldest-unresolved`,
    AlarmDescription:
      `A dead letter has been unresolved (received, retrying or parked) for more than ` +
      `${settings.deadLetterAgeThresholdSeconds} s. List the open letters with the dead-letter CLI, ` +
      `read their errors, fix the cause, then replay or discard them. The retrier publishes the age ` +
      `every minute: no data means it is not running (see its not-running alarm).`,
    Namespace: settings.metricsNamespace,
    MetricName: 'OldestUnresolvedDeadLetterAge',
    Dimensions: [{ Name: 'service', Value: 'dead-letter' }],
    Statistic: 'Maximum',
    Period: 300,
    EvaluationPeriods: 1,
    Threshold: settings.deadLetterAgeThresholdSeconds,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching',
  });
  if (functions.some((fn) => fn.http)) {
    const api = [
      { Name: 'ApiId', Value: { Ref: HTTP_API_ID } },
      { Name: 'Stage', Value: '$default' },
    ];
    resources.BillingApi5xxAlarm = alarm(settings, {
      AlarmName: `${prefix}-api-5xx`,
      AlarmDescription:
        'The billing API answered 5xx: 503 means PostgreSQL or Kafka could not be reached in time, 500 a ' +
        "bug. Read the billingApi function's log group and the API access log for the request ids. No " +
        'data means no request.',
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: api,
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 2,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    resources.BillingApiLatencyAlarm = alarm(settings, {
      AlarmName: `${prefix}-api-latency`,
      AlarmDescription:
        `The billing API's p99 latency stayed above ${settings.apiLatencyThresholdMs} ms for 15 minutes. ` +
        `Compare IntegrationLatency (the function) with Latency, then look at the database and Kafka ` +
        `timings in the function's logs. No data means no request.`,
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      Dimensions: api,
      ExtendedStatistic: 'p99',
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: settings.apiLatencyThresholdMs,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  }
  return resources;
}

/** Interface endpoints for Secrets Manager and the MSK API, and an S3 gateway endpoint. */
function vpcEndpointResources(settings: BillingDeploySettings): CfnResources {
  const endpoints = settings.vpcEndpoints;
  if (!endpoints) return {};
  const resources: CfnResources = {
    BillingVpcEndpointSecurityGroup: {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: {
        GroupDescription: `HTTPS from the billing ${settings.stage} functions to the VPC endpoints`,
        VpcId: endpoints.vpcId,
        SecurityGroupIngress: endpoints.securityGroupIds.map((group) => ({
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          SourceSecurityGroupId: group,
          Description: 'HTTPS from the billing functions',
        })),
      },
    },
  };
  for (const [id, service] of [
    ['BillingSecretsManagerEndpoint', 'secretsmanager'],
    ['BillingKafkaEndpoint', 'kafka'],
  ] as const) {
    resources[id] = {
      Type: 'AWS::EC2::VPCEndpoint',
      Properties: {
        ServiceName: `com.amazonaws.${settings.region}.${service}`,
        VpcEndpointType: 'Interface',
        VpcId: endpoints.vpcId,
        SubnetIds: [...endpoints.subnetIds],
        SecurityGroupIds: [{ Ref: 'BillingVpcEndpointSecurityGroup' }],
        PrivateDnsEnabled: true,
      },
    };
  }
  if (endpoints.routeTableIds.length > 0) {
    resources.BillingS3GatewayEndpoint = {
      Type: 'AWS::EC2::VPCEndpoint',
      Properties: {
        ServiceName: `com.amazonaws.${settings.region}.s3`,
        VpcEndpointType: 'Gateway',
        VpcId: endpoints.vpcId,
        RouteTableIds: [...endpoints.routeTableIds],
      },
    };
  }
  return resources;
}

/** The custom resource that runs the read model's migrations on each deploy (see lib/migration). */
function migrationResources(
  functions: readonly BillingFunction[],
  settings: BillingDeploySettings,
  migrationsHash: string,
): CfnResources {
  const migrator = functions.find((fn) => fn.key === MIGRATION_FUNCTION_KEY);
  if (!migrator) return {};
  return {
    [MIGRATION_RESOURCE_ID]: {
      Type: 'Custom::ReadModelMigration',
      Properties: {
        ServiceToken: { 'Fn::GetAtt': [`${migrator.logicalName}LambdaFunction`, 'Arn'] },
        // A change of either runs the migrations again (an update), before any trigger is created.
        Migrations: migrationsHash,
        DatabaseSecretArn: settings.databaseSecretArn,
      },
      // The endpoints it may need to read the secret and answer CloudFormation.
      ...(settings.vpcEndpoints
        ? {
            DependsOn: Object.keys(vpcEndpointResources(settings)).filter((id) => id.endsWith('Endpoint')),
          }
        : {}),
    },
  };
}

/** The roles, alarms, endpoints and migration resource of the service, keyed by logical id. */
export function billingResources(
  functions: readonly BillingFunction[],
  settings: BillingDeploySettings,
  migrationsHash = '',
): CfnResources {
  validateSettings(settings);
  validateFunctions(functions);
  const resources: CfnResources = {};
  for (const fn of functions) {
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
    Object.assign(resources, functionAlarms(fn, settings));
    for (const trigger of fn.triggers) Object.assign(resources, triggerAlarms(fn, trigger, settings));
  }
  Object.assign(
    resources,
    stageAlarms(functions, settings),
    vpcEndpointResources(settings),
    migrationResources(functions, settings, migrationsHash),
  );
  return resources;
}

/** Logical id of a function's execution role. */
export const roleLogicalId = (logicalName: string): string => `${logicalName}ExecutionRole`;

/** Values of a settings list parameter (a YAML list, or one comma-separated string). */
export const listOf = (value: unknown): string[] =>
  (Array.isArray(value) ? value.map(String) : String(value ?? '').split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** The trigger properties that SASL/SCRAM needs (none with IAM, where the role authenticates). */
export function triggerAccessConfigurations(settings: BillingDeploySettings): CfnValue[] | undefined {
  return settings.kafkaAuth === KafkaAuth.scram && settings.kafkaScramSecretArn
    ? [{ Type: 'SASL_SCRAM_512_AUTH', URI: settings.kafkaScramSecretArn }]
    : undefined;
}

export { serviceNameOf } from './function-names';
