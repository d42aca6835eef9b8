import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopicName } from '../../schemas';
import {
  type BillingDeploySettings,
  type BillingFunction,
  billingResources,
  DeployConfigError,
  type KafkaAuth,
  type KafkaTrigger,
  listOf,
  MIGRATION_RESOURCE_ID,
  roleLogicalId,
  serviceNameOf,
  TRIGGER_METRICS,
  triggerAccessConfigurations,
  triggerLogicalId,
  validateSettings,
} from './billing-resources';

/** The read model's migrations, relative to the service directory. */
const MIGRATIONS_DIR = join('lib', 'database', 'migrations');

// The parts of the Serverless Framework's plugin API this plugin uses.
interface MskEvent {
  readonly topic: string;
  readonly consumerGroupId?: string;
}
interface FunctionConfig {
  name?: string;
  role?: unknown;
  timeout?: number;
  environment?: Record<string, unknown>;
  kafkaProduces?: string[];
  events?: { msk?: MskEvent; schedule?: unknown; httpApi?: unknown }[];
}
interface CompiledResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string[];
}
interface Serverless {
  serviceDir: string;
  service: {
    custom?: { billing?: Record<string, unknown> };
    provider: {
      region?: string;
      timeout?: number;
      vpc?: { subnetIds?: unknown; securityGroupIds?: unknown };
      compiledCloudFormationTemplate: { Resources: Record<string, CompiledResource> };
    };
    resources?: { extensions?: Record<string, unknown> };
    getAllFunctions(): string[];
    getFunction(key: string): FunctionConfig;
  };
  configSchemaHandler: {
    defineFunctionProperties(provider: string, schema: unknown): void;
  };
  getProvider(name: 'aws'): {
    getStage(): string;
    getRegion(): string;
    naming: { getNormalizedFunctionName(key: string): string };
  };
}

/**
 * Serverless plugin: gives each function its own least-privilege role and its alarms, derived from
 * the function's `msk` triggers and `kafkaProduces` (see billing-resources.ts). It also fails the
 * packaging when a trigger has no failure-handling entry under resources.extensions.
 */
export class BillingDeployPlugin {
  readonly hooks: Record<string, () => void>;
  private readonly serverless: Serverless;
  /** Versioned trigger logical id -> the framework's id (which resources.extensions names). */
  private readonly frameworkIds = new Map<string, string>();

  constructor(serverless: Serverless) {
    this.serverless = serverless;
    serverless.configSchemaHandler.defineFunctionProperties('aws', {
      properties: {
        kafkaProduces: { type: 'array', items: { type: 'string' }, uniqueItems: true },
      },
    });
    this.hooks = {
      // Before the framework decides whether it needs its shared role: every function has its own.
      'before:package:setupProviderConfiguration': () => this.assignRoles(),
      'after:package:compileEvents': () => this.addResources(),
      // `sls offline` packages nothing: the functions get their service name and client id here.
      'before:offline:start:init': () => this.assignServiceNames(),
      'before:offline:start': () => this.assignServiceNames(),
    };
  }

  /** Each function's Powertools service name, and its Kafka client id (broker logs and quotas name it). */
  private assignServiceNames(): void {
    const { service } = this.serverless;
    for (const key of service.getAllFunctions()) {
      const fn = service.getFunction(key);
      fn.environment = {
        POWERTOOLS_SERVICE_NAME: serviceNameOf(key),
        KAFKA_CLIENT_ID: serviceNameOf(key),
        ...fn.environment,
      };
    }
  }

  private assignRoles(): void {
    // Fail before bundling when the stage's parameters are wrong.
    validateSettings(this.settings());
    const { service } = this.serverless;
    const naming = this.serverless.getProvider('aws').naming;
    for (const key of service.getAllFunctions()) {
      const fn = service.getFunction(key);
      if (fn.role !== undefined) {
        throw new DeployConfigError(
          `${key} sets role; roles are derived from its triggers and kafkaProduces`,
        );
      }
      fn.role = roleLogicalId(naming.getNormalizedFunctionName(key));
    }
    this.assignServiceNames();
  }

  private settings(): BillingDeploySettings {
    const billing = this.serverless.service.custom?.billing ?? {};
    const provider = this.serverless.getProvider('aws');
    const vpc = this.serverless.service.provider.vpc;
    const text = (name: string): string => {
      const value = billing[name];
      if (value === undefined || value === null) return '';
      return String(value);
    };
    return {
      stage: provider.getStage(),
      region: provider.getRegion(),
      mskClusterArn: text('mskClusterArn'),
      kafkaAuth: text('kafkaAuth') as KafkaAuth,
      kafkaScramSecretArn: text('kafkaScramSecretArn'),
      databaseSecretArn: text('databaseSecretArn'),
      deadLetterTopic: text('deadLetterTopic') as TopicName,
      kafkaScramKmsKeyArn: text('kafkaScramKmsKeyArn'),
      databaseSecretKmsKeyArn: text('databaseSecretKmsKeyArn'),
      neverIdleTopics: listOf(billing.neverIdleTopics),
      offsetLagThreshold: Number(text('offsetLagThreshold')),
      deadLettersReceivedThreshold: Number(text('deadLettersReceivedThreshold')),
      apiLatencyThresholdMs: Number(text('apiLatencyThresholdMs')),
      concurrencyThreshold: Number(text('concurrencyThreshold')),
      deadLetterAgeThresholdSeconds: Number(text('deadLetterAgeThresholdSeconds')),
      metricsNamespace: text('metricsNamespace'),
      alarmTopic: text('alarmTopic'),
      ...(text('vpcEndpoints') === 'true'
        ? {
            vpcEndpoints: {
              vpcId: text('vpcId'),
              subnetIds: listOf(vpc?.subnetIds),
              securityGroupIds: listOf(vpc?.securityGroupIds),
              routeTableIds: listOf(billing.routeTableIds),
            },
          }
        : {}),
    };
  }

  /** A digest of the migration files: a new migration changes the custom resource, which reruns. */
  private migrationsHash(): string {
    const dir = join(this.serverless.serviceDir, MIGRATIONS_DIR);
    const hash = createHash('sha256');
    for (const file of readdirSync(dir).sort()) {
      hash
        .update(file)
        .update('\0')
        .update(readFileSync(join(dir, file)))
        .update('\0');
    }
    return hash.digest('hex');
  }

  private functions(): BillingFunction[] {
    const { service } = this.serverless;
    const naming = this.serverless.getProvider('aws').naming;
    const resources = service.provider.compiledCloudFormationTemplate.Resources;
    return service.getAllFunctions().map((key) => {
      const fn = service.getFunction(key);
      const logicalName = naming.getNormalizedFunctionName(key);
      const triggers: KafkaTrigger[] = (fn.events ?? []).flatMap((event) => {
        if (!event.msk) return [];
        const topic = event.msk.topic;
        const frameworkLogicalId = Object.keys(resources).find((id) => {
          const resource = resources[id];
          const target = resource?.Properties?.FunctionName as { 'Fn::GetAtt'?: unknown[] } | undefined;
          return (
            resource?.Type === 'AWS::Lambda::EventSourceMapping' &&
            target?.['Fn::GetAtt']?.[0] === `${logicalName}LambdaFunction` &&
            JSON.stringify(resource.Properties?.Topics) === JSON.stringify([topic])
          );
        });
        if (frameworkLogicalId === undefined) {
          throw new DeployConfigError(`the msk trigger of ${key} on ${topic} was not compiled`);
        }
        const consumerGroupId = event.msk.consumerGroupId ?? '';
        this.frameworkIds.set(triggerLogicalId(frameworkLogicalId, consumerGroupId), frameworkLogicalId);
        return [
          {
            topic: topic as TopicName,
            consumerGroupId,
            mappingLogicalId: triggerLogicalId(frameworkLogicalId, consumerGroupId),
          },
        ];
      });
      const events = fn.events ?? [];
      return {
        key,
        name: fn.name ?? key,
        logicalName,
        serviceName: serviceNameOf(key),
        produces: (fn.kafkaProduces ?? []) as TopicName[],
        triggers,
        timeoutSeconds: fn.timeout ?? service.provider.timeout ?? 6,
        scheduled: events.some((event) => event.schedule !== undefined),
        http: events.some((event) => event.httpApi !== undefined),
      };
    });
  }

  private addResources(): void {
    const settings = this.settings();
    const functions = this.functions();
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    const extensions = this.serverless.service.resources?.extensions ?? {};
    const accessConfigurations = triggerAccessConfigurations(settings);
    const resources = billingResources(functions, settings, this.migrationsHash());
    for (const fn of functions) {
      // The framework adds the role to DependsOn although Role's GetAtt already orders them.
      const lambda = template.Resources[`${fn.logicalName}LambdaFunction`];
      if (lambda?.DependsOn) {
        lambda.DependsOn = lambda.DependsOn.filter((id) => id !== roleLogicalId(fn.logicalName));
      }
      for (const trigger of fn.triggers) {
        const frameworkId = this.frameworkIds.get(trigger.mappingLogicalId) ?? '';
        const extension = extensions[frameworkId] as
          | { Properties?: { DestinationConfig?: unknown } & Record<string, unknown> }
          | undefined;
        // The dead-letter topic's own trigger cannot have it as destination (Lambda refuses recursion).
        const handled =
          trigger.topic === settings.deadLetterTopic
            ? extension?.Properties !== undefined
            : extension?.Properties?.DestinationConfig !== undefined;
        if (!handled) {
          throw new DeployConfigError(
            `the msk trigger of ${fn.key} on ${trigger.topic} has no failure handling: add ` +
              `${frameworkId}: { Properties: \${self:custom.kafkaTriggerFailureHandling} } ` +
              'under resources.extensions',
          );
        }
        // The trigger moves to its versioned id; its extension (keyed by the framework's id, the
        // same for every version) is applied here, and removed so that the framework does not.
        const mapping = template.Resources[frameworkId];
        if (!mapping) continue;
        delete template.Resources[frameworkId];
        delete extensions[frameworkId];
        mapping.Properties = {
          ...mapping.Properties,
          ...extension?.Properties,
          MetricsConfig: { Metrics: [...TRIGGER_METRICS] },
          ...(accessConfigurations ? { SourceAccessConfigurations: accessConfigurations } : {}),
        };
        // A trigger starts reading only once the read model's migrations have run in this deploy.
        if (resources[MIGRATION_RESOURCE_ID]) {
          mapping.DependsOn = [...(mapping.DependsOn ?? []), MIGRATION_RESOURCE_ID];
        }
        template.Resources[trigger.mappingLogicalId] = mapping;
      }
    }
    Object.assign(template.Resources, resources);
  }
}
