import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { parse } from 'yaml';
import { type CfnValue, roleStatements } from '../../lib/deploy/billing-resources';
import { testDeploySettings } from '../../lib/deploy/testing/deploy-settings';
import { TopicName } from '../../schemas';
import {
  LOCAL_STAGE,
  localFunctionRoles,
  localScramUsers,
  roleTopicAclsOn,
  withStage,
} from './kafka-security';
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

describe("a function user's topic ACLs on a test's own topics", () => {
  const roles = localFunctionRoles(serverlessYml, LOCAL_STAGE);
  const run = (topic: string) => `test.security.0a1b2c3d.${topic}`;

  it("are serverless.yml's topic rights of the user, on the renamed topics, and no group's", () => {
    // Act
    const acls = roleTopicAclsOn('billing-api', run, roles);

    // Assess
    const expected = (roles.find((role) => role.user === 'billing-api')?.acls ?? []).filter(
      (acl) => acl.resourceType === 'topic',
    );
    expect(acls).toHaveLength(expected.length);
    expect(acls.every((acl) => acl.resourceType === AclResourceTypes.TOPIC)).toBe(true);
    expect(acls).toContainEqual({
      principal: 'User:billing-api',
      host: '*',
      resourceType: AclResourceTypes.TOPIC,
      resourceName: run(TopicName.accountEvents),
      resourcePatternType: ResourcePatternTypes.LITERAL,
      operation: AclOperationTypes.WRITE,
      permissionType: AclPermissionTypes.ALLOW,
    });
    expect(acls.filter((acl) => !acl.resourceName.startsWith('test.security.0a1b2c3d.billing.'))).toEqual([]);
  });

  it("give the account projector's user READ on its trigger's copy, and no WRITE there", () => {
    // Act
    const acls = roleTopicAclsOn('billing-account-projector', run, roles);
    const on = (topic: string) =>
      acls.filter((acl) => acl.resourceName === run(topic)).map((acl) => acl.operation);

    // Assess
    expect(on(TopicName.accountEvents).sort()).toEqual(
      [AclOperationTypes.READ, AclOperationTypes.DESCRIBE].sort(),
    );
    expect(on(TopicName.deadLetter)).toContain(AclOperationTypes.WRITE);
  });

  it('refuse a user no function has', () => {
    expect(() => roleTopicAclsOn('billing-nobody', run, roles)).toThrow(
      /no function of serverless.yml has the Kafka user billing-nobody/,
    );
  });
});
