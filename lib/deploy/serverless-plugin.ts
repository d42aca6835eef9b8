import type { TopicName } from '../kafka/topics';
import {
  type BillingDeploySettings,
  type BillingFunction,
  billingResources,
  DeployConfigError,
  type KafkaAuth,
  type KafkaTrigger,
  roleLogicalId,
  serviceNameOf,
  triggerAccessConfigurations,
  validateSettings,
} from './billing-resources';

// The parts of the Serverless Framework's plugin API this plugin uses.
interface MskEvent {
  readonly topic: string;
  readonly consumerGroupId?: string;
}
interface FunctionConfig {
  name?: string;
  role?: unknown;
  environment?: Record<string, unknown>;
  kafkaProduces?: string[];
  events?: { msk?: MskEvent }[];
}
interface CompiledResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string[];
}
interface Serverless {
  service: {
    custom?: { billing?: Record<string, unknown> };
    provider: {
      region?: string;
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
    };
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
      fn.environment = { POWERTOOLS_SERVICE_NAME: serviceNameOf(key), ...fn.environment };
    }
  }

  private settings(): BillingDeploySettings {
    const billing = this.serverless.service.custom?.billing ?? {};
    const provider = this.serverless.getProvider('aws');
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
      offsetLagThreshold: Number(text('offsetLagThreshold')),
      deadLettersReceivedThreshold: Number(text('deadLettersReceivedThreshold')),
      metricsNamespace: text('metricsNamespace'),
      alarmTopic: text('alarmTopic'),
    };
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
        const mappingLogicalId = Object.keys(resources).find((id) => {
          const resource = resources[id];
          const target = resource?.Properties?.FunctionName as { 'Fn::GetAtt'?: unknown[] } | undefined;
          return (
            resource?.Type === 'AWS::Lambda::EventSourceMapping' &&
            target?.['Fn::GetAtt']?.[0] === `${logicalName}LambdaFunction` &&
            JSON.stringify(resource.Properties?.Topics) === JSON.stringify([topic])
          );
        });
        if (mappingLogicalId === undefined) {
          throw new DeployConfigError(`the msk trigger of ${key} on ${topic} was not compiled`);
        }
        return [
          { topic: topic as TopicName, consumerGroupId: event.msk.consumerGroupId ?? '', mappingLogicalId },
        ];
      });
      return {
        key,
        name: fn.name ?? key,
        logicalName,
        serviceName: serviceNameOf(key),
        produces: (fn.kafkaProduces ?? []) as TopicName[],
        triggers,
      };
    });
  }

  private addResources(): void {
    const settings = this.settings();
    const functions = this.functions();
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    const extensions = this.serverless.service.resources?.extensions ?? {};
    const accessConfigurations = triggerAccessConfigurations(settings);
    for (const fn of functions) {
      // The framework adds the role to DependsOn although Role's GetAtt already orders them.
      const lambda = template.Resources[`${fn.logicalName}LambdaFunction`];
      if (lambda?.DependsOn) {
        lambda.DependsOn = lambda.DependsOn.filter((id) => id !== roleLogicalId(fn.logicalName));
      }
      for (const trigger of fn.triggers) {
        const extension = extensions[trigger.mappingLogicalId] as
          | { Properties?: { DestinationConfig?: unknown } }
          | undefined;
        // The dead-letter topic's own trigger cannot have it as destination (Lambda refuses recursion).
        const handled =
          trigger.topic === settings.deadLetterTopic
            ? extension?.Properties !== undefined
            : extension?.Properties?.DestinationConfig !== undefined;
        if (!handled) {
          throw new DeployConfigError(
            `the msk trigger of ${fn.key} on ${trigger.topic} has no failure handling: add ` +
              `${trigger.mappingLogicalId}: { Properties: \${self:custom.kafkaTriggerFailureHandling} } ` +
              'under resources.extensions',
          );
        }
        const mapping = template.Resources[trigger.mappingLogicalId];
        if (mapping?.Properties && accessConfigurations) {
          mapping.Properties.SourceAccessConfigurations = accessConfigurations;
        }
      }
    }
    Object.assign(template.Resources, billingResources(functions, settings));
  }
}
