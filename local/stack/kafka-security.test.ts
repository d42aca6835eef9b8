import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { type CfnValue, roleStatements } from '../../lib/deploy/billing-resources';
import { testDeploySettings } from '../../lib/deploy/testing/deploy-settings';
import { TopicName } from '../../schemas';
import { LOCAL_STAGE, localFunctionRoles, localScramUsers, withStage } from './kafka-security';
import { repoRoot } from './paths';

// The local ACLs and the functions' IAM policies come from the same declarations in
// serverless.yml (lib/deploy/kafka-rights.ts): this checks they give the same rights.

const serverlessYml = readFileSync(join(repoRoot, 'serverless.yml'), 'utf8');
const settings = testDeploySettings(LOCAL_STAGE);

interface Declaration {
  kafkaProduces?: TopicName[];
  events?: { msk?: { topic: TopicName; consumerGroupId: string } }[];
}
const declarations = Object.entries(
  (parse(serverlessYml) as { functions: Record<string, Declaration> }).functions,
);

/** The names (topic or group) an IAM statement of the role grants `action` on. */
function iamNames(statements: CfnValue[], action: string, kind: 'topic' | 'group'): string[] {
  return statements
    .map((statement) => statement as { Action?: string[]; Resource?: string[] | string })
    .filter((statement) => statement.Action?.includes(action))
    .flatMap((statement) => (Array.isArray(statement.Resource) ? statement.Resource : []))
    .filter((arn) => arn.includes(`:${kind}/`))
    .map((arn) => arn.split('/').slice(3).join('/'))
    .sort();
}

describe('local Kafka ACLs against the IAM policies', () => {
  const roles = localFunctionRoles(serverlessYml, LOCAL_STAGE);

  it.each(declarations.map(([key, fn]) => [key, fn] as const))(
    '%s may read, use and write on Kafka exactly what its IAM role allows',
    (key, fn) => {
      // Prepare
      const triggers = (fn.events ?? []).flatMap((event) =>
        event.msk
          ? [
              {
                topic: event.msk.topic,
                consumerGroupId: withStage(event.msk.consumerGroupId, LOCAL_STAGE),
                mappingLogicalId: 'Mapping',
              },
            ]
          : [],
      );
      const statements = roleStatements(
        {
          key,
          name: `billing-${LOCAL_STAGE}-${key}`,
          logicalName: key,
          serviceName: key,
          produces: fn.kafkaProduces ?? [],
          triggers,
          timeoutSeconds: 60,
          scheduled: false,
          http: false,
        },
        settings,
      );

      // Act
      const acls = roles.find((role) => role.functionKey === key)?.acls ?? [];
      const aclNames = (resourceType: string, operation: string) =>
        acls
          .filter((acl) => acl.resourceType === resourceType && acl.operation === operation)
          .map((acl) => acl.resourceName)
          .sort();

      // Assess
      expect(aclNames('topic', 'read')).toEqual(iamNames(statements, 'kafka-cluster:ReadData', 'topic'));
      expect(aclNames('topic', 'write')).toEqual(iamNames(statements, 'kafka-cluster:WriteData', 'topic'));
      expect(aclNames('group', 'read')).toEqual(iamNames(statements, 'kafka-cluster:AlterGroup', 'group'));
      expect(aclNames('topic', 'describe')).toEqual(
        [...new Set(iamNames(statements, 'kafka-cluster:DescribeTopic', 'topic'))].sort(),
      );
    },
  );

  it('gives every function that meets Kafka a user, and the admin one', () => {
    // Assess
    expect(localScramUsers()).toEqual([
      'billing-admin',
      'billing-account-projector',
      'billing-transaction-projector',
      'billing-transfer-saga',
      'billing-dead-letter',
      'billing-dead-letter-retrier',
      'billing-api',
    ]);
    expect(roles.map((role) => role.functionKey)).not.toContain('migrateReadModel');
  });

  it('gives the API no right to read, and the projectors no right to write the topics they read', () => {
    // Prepare
    const rightsOf = (functionKey: string) =>
      roles.find((role) => role.functionKey === functionKey)?.acls ?? [];

    // Assess
    expect(rightsOf('billingApi').filter((acl) => acl.operation === 'read')).toEqual([]);
    expect(
      rightsOf('accountProjector').filter(
        (acl) => acl.operation === 'write' && acl.resourceName === TopicName.accountEvents,
      ),
    ).toEqual([]);
  });
});
