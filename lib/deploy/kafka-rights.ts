import type { TopicName } from '../../schemas';
import { serviceNameOf } from './function-names';

/**
 * What a function may do on Kafka, derived from its declaration in serverless.yml (its `msk`
 * triggers and `kafkaProduces`). The one source of both its IAM statements on MSK
 * (billing-resources.ts) and its Kafka ACLs under SASL/SCRAM (kafkaAclsOf), so the two cannot
 * drift (kafka-rights.test.ts).
 */
export interface KafkaRights {
  /** Topics its triggers read. */
  readonly readTopics: readonly TopicName[];
  /** Its triggers' consumer groups. */
  readonly groups: readonly string[];
  /** Topics it writes: `kafkaProduces`, plus the dead-letter topic when a trigger's on-failure destination writes there. */
  readonly writeTopics: readonly TopicName[];
}

/** The parts of a function declaration the rights come from. */
export interface KafkaRightsDeclaration {
  readonly produces: readonly TopicName[];
  readonly triggers: readonly { readonly topic: TopicName; readonly consumerGroupId: string }[];
}

const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];

export function kafkaRightsOf(fn: KafkaRightsDeclaration, deadLetterTopic: TopicName): KafkaRights {
  // A trigger's on-failure destination writes to the dead-letter topic with the function's role.
  const destination = fn.triggers.some((trigger) => trigger.topic !== deadLetterTopic);
  return {
    readTopics: unique(fn.triggers.map((trigger) => trigger.topic)),
    groups: unique(fn.triggers.map((trigger) => trigger.consumerGroupId)),
    writeTopics: unique([...fn.produces, ...(destination ? [deadLetterTopic] : [])]),
  };
}

/** A function that meets Kafka at all (the migration function does not). */
export const usesKafka = (rights: KafkaRights): boolean =>
  rights.readTopics.length > 0 || rights.writeTopics.length > 0;

/** One Kafka ACL binding, independent of the client library (Allow, any host). */
export interface KafkaAcl {
  readonly principal: string;
  readonly resourceType: 'topic' | 'group';
  readonly resourceName: string;
  /** `prefixed` for groups: the emulator's test runs add a suffix to a trigger's group id. */
  readonly patternType: 'literal' | 'prefixed';
  readonly operation: 'read' | 'write' | 'describe';
}

/**
 * The ACLs that give a principal exactly its rights, mirroring the IAM actions:
 * ReadData + DescribeTopic = READ + DESCRIBE on a read topic; AlterGroup + DescribeGroup = READ +
 * DESCRIBE on a group; WriteData + DescribeTopic = WRITE + DESCRIBE on a written topic (WRITE on a
 * topic also allows idempotent writes, WriteDataIdempotently).
 */
export function kafkaAclsOf(principal: string, rights: KafkaRights): KafkaAcl[] {
  const acls: KafkaAcl[] = [];
  const topicAcl = (topic: string, operation: KafkaAcl['operation']) =>
    acls.push({ principal, resourceType: 'topic', resourceName: topic, patternType: 'literal', operation });
  for (const topic of rights.readTopics) {
    topicAcl(topic, 'read');
    topicAcl(topic, 'describe');
  }
  for (const group of rights.groups) {
    for (const operation of ['read', 'describe'] as const) {
      acls.push({
        principal,
        resourceType: 'group',
        resourceName: group,
        patternType: 'prefixed',
        operation,
      });
    }
  }
  for (const topic of rights.writeTopics) {
    topicAcl(topic, 'write');
    if (!rights.readTopics.includes(topic)) topicAcl(topic, 'describe');
  }
  return acls;
}

/**
 * The SCRAM user (and Kafka principal `User:<name>`) of a function's role: its kebab-case name
 * under `billing-` (accountProjector: billing-account-projector; billingApi: billing-api).
 */
export const scramUserOf = (functionKey: string): string => {
  const name = serviceNameOf(functionKey);
  return name.startsWith('billing-') ? name : `billing-${name}`;
};

/** The operators' and tools' SCRAM user: a super user of the local cluster. */
export const SCRAM_ADMIN_USER = 'billing-admin';
