import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  type Admin,
  type Kafka,
  ResourcePatternTypes,
} from 'kafkajs';
import { parse } from 'yaml';
import {
  type KafkaAcl,
  kafkaAclsOf,
  kafkaRightsOf,
  SCRAM_ADMIN_USER,
  scramUserOf,
} from '../../lib/deploy/kafka-rights';
import { TopicName } from '../../schemas';
import { localKafka } from './kafka-admin';
import { paths, repoRoot, stateDir } from './paths';
import { runCommandOrThrow } from './run-command';
import { type KafkaNode, kafkaNodes } from './topology';

type Log = (line: string) => void;

/**
 * The secured listener of the local cluster (docs/operations.md: Secured listener): SASL_SSL with
 * SCRAM-SHA-512 beside the plaintext one, a local CA, one SCRAM user per function role and ACLs
 * derived from serverless.yml like the functions' IAM policies (lib/deploy/kafka-rights.ts).
 * The plaintext listener stays for the tools: its principal, User:ANONYMOUS, is a super user.
 */

/** The listener's name in the brokers' settings (SASL_SSL in listener.security.protocol.map). */
export const SECURE_LISTENER = 'SECURE';
/** The stage whose consumer groups the local ACLs name (npm start runs `sls offline --stage local`). */
export const LOCAL_STAGE = 'local';

const securityDir = join(stateDir, 'kafka-security');
export const securityPaths = {
  dir: securityDir,
  /** The local CA's certificate: what a client verifies the brokers against. */
  ca: join(securityDir, 'ca.pem'),
  caKey: join(securityDir, 'ca.key'),
  /** A node's private key and certificate chain (Kafka's PEM key store). */
  nodeKeyStore: (nodeId: number) => join(securityDir, `node-${nodeId}.pem`),
  /** One JSON file per SCRAM user, in the shape of an MSK SCRAM secret: { "username", "password" }. */
  credentialsDir: join(securityDir, 'credentials'),
  credentials: (user: string) => join(securityDir, 'credentials', `${user}.json`),
};

export const secureBootstrapBrokers: readonly string[] = kafkaNodes.map(
  (node) => `localhost:${node.securePort}`,
);

/** The secured listener's per-node settings of native mode (added to nativeNodeProperties). */
export function secureListenerProperties(node: KafkaNode): Record<string, string> {
  const name = SECURE_LISTENER.toLowerCase();
  return {
    [`listener.name.${name}.ssl.keystore.type`]: 'PEM',
    [`listener.name.${name}.ssl.keystore.location`]: securityPaths.nodeKeyStore(node.nodeId),
  };
}

async function openssl(args: readonly string[]): Promise<void> {
  await runCommandOrThrow('openssl', args, { timeoutMs: 60_000 });
}

/** A self-signed CA: its unencrypted key and its certificate, as PEM files. */
export async function makeCertificateAuthority(
  keyFile: string,
  certificateFile: string,
  name: string,
  days: number,
): Promise<void> {
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certificateFile,
    '-days',
    String(days),
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

/** Whether the CA and every node's key store exist (they are made once, then kept). */
export const certificatesExist = (): boolean =>
  existsSync(securityPaths.ca) &&
  kafkaNodes.every((node) => existsSync(securityPaths.nodeKeyStore(node.nodeId)));

/**
 * Makes the local CA and one certificate per node, once: subject alternative names localhost,
 * 127.0.0.1 and the node's compose host name, signed by the CA. Kept under .stack/kafka-security.
 */
export async function ensureCertificates(log: Log): Promise<void> {
  if (certificatesExist()) return;
  log(`Making the local CA and broker certificates in ${securityPaths.dir} ...`);
  const staging = `${securityPaths.dir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true, mode: 0o755 });
  const file = (name: string) => join(staging, name);
  await makeCertificateAuthority(file('ca.key'), file('ca.pem'), 'billing local Kafka CA', 3650);
  for (const node of kafkaNodes) {
    const base = `node-${node.nodeId}`;
    await openssl([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      file(`${base}.key`),
      '-out',
      file(`${base}.csr`),
      '-subj',
      `/CN=${node.name}`,
    ]);
    writeFileSync(
      file(`${base}.ext`),
      [
        `subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:kafka-${node.nodeId},DNS:${node.name}`,
        'extendedKeyUsage=serverAuth',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        '',
      ].join('\n'),
    );
    await openssl([
      'x509',
      '-req',
      '-in',
      file(`${base}.csr`),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '825',
      '-extfile',
      file(`${base}.ext`),
      '-out',
      file(`${base}.crt`),
    ]);
    // Kafka's PEM key store: the (PKCS#8, unencrypted) key, then the chain up to the CA. Readable
    // by the compose brokers' user too: a key of a localhost-only CA, for local use.
    writeFileSync(
      file(`${base}.pem`),
      [file(`${base}.key`), file(`${base}.crt`), file('ca.pem')].map((f) => readFileSync(f, 'utf8')).join(''),
      { mode: 0o644 },
    );
    for (const leftover of ['key', 'csr', 'ext', 'crt']) rmSync(file(`${base}.${leftover}`));
  }
  rmSync(file('ca.srl'), { force: true });
  chmodSync(file('ca.key'), 0o600);
  // Credentials made before (kept across a certificate renewal).
  if (existsSync(securityPaths.credentialsDir)) {
    renameSync(securityPaths.credentialsDir, file('credentials'));
  }
  rmSync(securityPaths.dir, { recursive: true, force: true });
  renameSync(staging, securityPaths.dir);
  log(`  CA ${securityPaths.ca}`);
}

/** A function of serverless.yml as far as its Kafka rights go, with the local stage's group ids. */
export interface LocalFunctionRole {
  readonly functionKey: string;
  readonly user: string;
  readonly acls: readonly KafkaAcl[];
}

/** A consumer group id of serverless.yml with its `${sls:stage}` resolved. */
export const withStage = (groupId: string, stage: string): string =>
  // biome-ignore lint/suspicious/noTemplateCurlyInString: serverless.yml's own variable, literally
  groupId.replaceAll('${sls:stage}', stage);

interface ServerlessFunctions {
  functions: Record<
    string,
    {
      kafkaProduces?: string[];
      events?: { msk?: { topic?: string; consumerGroupId?: string } }[];
    }
  >;
}

/** Every function of serverless.yml that meets Kafka, its SCRAM user and its ACLs. */
export function localFunctionRoles(
  serverlessYml = readFileSync(join(repoRoot, 'serverless.yml'), 'utf8'),
  stage = LOCAL_STAGE,
): LocalFunctionRole[] {
  const config = parse(serverlessYml) as ServerlessFunctions;
  return Object.entries(config.functions).flatMap(([functionKey, fn]) => {
    const triggers = (fn.events ?? []).flatMap((event) =>
      event.msk?.topic
        ? [
            {
              topic: event.msk.topic as TopicName,
              consumerGroupId: withStage(event.msk.consumerGroupId ?? '', stage),
            },
          ]
        : [],
    );
    const rights = kafkaRightsOf(
      { produces: (fn.kafkaProduces ?? []) as TopicName[], triggers },
      TopicName.deadLetter,
    );
    if (rights.readTopics.length === 0 && rights.writeTopics.length === 0) return [];
    const user = scramUserOf(functionKey);
    return [{ functionKey, user, acls: kafkaAclsOf(`User:${user}`, rights) }];
  });
}

/** The SCRAM users of the local cluster: the admin, then one per function role. */
export const localScramUsers = (): string[] => [
  SCRAM_ADMIN_USER,
  ...localFunctionRoles().map((role) => role.user),
];

export interface ScramCredentials {
  readonly username: string;
  readonly password: string;
}

export function readCredentials(user: string): ScramCredentials {
  const file = securityPaths.credentials(user);
  if (!existsSync(file)) {
    throw new Error(`No SCRAM credentials for ${user} in ${file}: run npm run stack:up`);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as ScramCredentials;
}

export function writeCredentials(credentials: ScramCredentials): void {
  mkdirSync(securityPaths.credentialsDir, { recursive: true, mode: 0o700 });
  const file = securityPaths.credentials(credentials.username);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** A kafkajs client of the secured listener, as `user`, trusting the local CA. */
export function secureLocalKafka(
  clientId: string,
  user: string,
  brokers: readonly string[] = secureBootstrapBrokers,
): Kafka {
  const { username, password } = readCredentials(user);
  return localKafka(clientId, brokers, { ca: readFileSync(securityPaths.ca, 'utf8'), username, password });
}

export const generatePassword = (): string => randomBytes(24).toString('base64url');

/** The Kafka jars' classpath for the Java tools (native mode). */
export type ClasspathOf = () => Promise<string>;

/**
 * Applies SCRAM credential changes in one request (local/kafka/ScramUsers.java, through the
 * plaintext listener) and returns the users that have a SCRAM credential afterwards.
 */
export async function alterScramUsers(
  classpath: string,
  changes: readonly ({ upsert: ScramCredentials } | { delete: string })[],
): Promise<string[]> {
  const input = changes
    .map((change) =>
      'upsert' in change
        ? `upsert ${change.upsert.username} ${change.upsert.password}`
        : `delete ${change.delete}`,
    )
    .join('\n');
  const result = await runCommandOrThrow(
    'java',
    [
      `-Dlog4j2.configurationFile=${paths.toolsLog4j}`,
      '-cp',
      classpath,
      join(repoRoot, 'local', 'kafka', 'ScramUsers.java'),
      kafkaNodes.map((node) => `localhost:${node.port}`).join(','),
    ],
    { timeoutMs: 120_000, input: `${input}\n` },
  );
  return result.stdout.split('\n').filter((line) => line.trim() !== '');
}

/**
 * Gives every local SCRAM user a credential: a generated password, written once to its file
 * (never committed), and set on the cluster at every stack:up (a cluster made again gets them back).
 */
export async function ensureScramUsers(classpath: string, log: Log): Promise<void> {
  const users = localScramUsers();
  const credentials = users.map((user) =>
    existsSync(securityPaths.credentials(user))
      ? readCredentials(user)
      : { username: user, password: generatePassword() },
  );
  for (const entry of credentials) {
    if (!existsSync(securityPaths.credentials(entry.username))) writeCredentials(entry);
  }
  let present = await alterScramUsers(
    classpath,
    credentials.map((entry) => ({ upsert: entry })),
  );
  // Users of functions that are gone (or renamed) lose their credential and their file.
  const stale = present.filter((user) => user.startsWith('billing-') && !users.includes(user));
  if (stale.length > 0) {
    present = await alterScramUsers(
      classpath,
      stale.map((user) => ({ delete: user })),
    );
    for (const user of stale) rmSync(securityPaths.credentials(user), { force: true });
    log(`  SCRAM users removed: ${stale.join(', ')}`);
  }
  const missing = users.filter((user) => !present.includes(user));
  if (missing.length > 0) throw new Error(`SCRAM users missing after creation: ${missing.join(', ')}`);
  log(`  SCRAM-SHA-512 users: ${users.join(', ')} (credentials in ${securityPaths.credentialsDir})`);
}

const OPERATION = {
  read: AclOperationTypes.READ,
  write: AclOperationTypes.WRITE,
  describe: AclOperationTypes.DESCRIBE,
} as const;

const aclKey = (acl: {
  principal: string;
  resourceType: number;
  resourceName: string;
  resourcePatternType: number;
  operation: number;
}) => [acl.principal, acl.resourceType, acl.resourceName, acl.resourcePatternType, acl.operation].join('|');

/** An ACL binding as kafkajs' admin takes and gives it. */
export interface KafkajsAcl {
  readonly principal: string;
  readonly host: string;
  readonly resourceType: AclResourceTypes;
  readonly resourceName: string;
  readonly resourcePatternType: ResourcePatternTypes;
  readonly operation: AclOperationTypes;
  readonly permissionType: AclPermissionTypes;
}

const toKafkajsAcl = (acl: KafkaAcl): KafkajsAcl => ({
  principal: acl.principal,
  host: '*',
  resourceType: acl.resourceType === 'topic' ? AclResourceTypes.TOPIC : AclResourceTypes.GROUP,
  resourceName: acl.resourceName,
  resourcePatternType:
    acl.patternType === 'literal' ? ResourcePatternTypes.LITERAL : ResourcePatternTypes.PREFIXED,
  operation: OPERATION[acl.operation],
  permissionType: AclPermissionTypes.ALLOW,
});

/**
 * The topic ACLs serverless.yml gives a function's user (those applyRoleAcls puts on the cluster),
 * each on the topic `topicOf` names instead: a test's own copies of the billing topics (RunTopics'
 * `physical`), whose user then has there the rights it has on the billing topics. Groups are left
 * out (the user has them already, and deleting a copy would delete the original). A run killed
 * before it deletes them leaves bindings that the next `stack:up` removes (applyRoleAcls).
 */
export function roleTopicAclsOn(
  user: string,
  topicOf: (topic: string) => string,
  roles: readonly LocalFunctionRole[] = localFunctionRoles(),
): KafkajsAcl[] {
  const role = roles.find((candidate) => candidate.user === user);
  if (!role) throw new Error(`no function of serverless.yml has the Kafka user ${user}`);
  return role.acls
    .filter((acl) => acl.resourceType === 'topic')
    .map((acl) => toKafkajsAcl({ ...acl, resourceName: topicOf(acl.resourceName) }));
}

/** The ACLs of the local function users now on the cluster. */
export async function describeRoleAcls(admin: Admin): Promise<KafkajsAcl[]> {
  const described = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  return described.resources.flatMap((resource) =>
    resource.acls
      .filter((acl) => acl.principal.startsWith('User:billing-'))
      .map((acl) => ({
        principal: acl.principal,
        host: acl.host,
        resourceType: resource.resourceType,
        resourceName: resource.resourceName,
        resourcePatternType: resource.resourcePatternType,
        operation: acl.operation,
        permissionType: acl.permissionType,
      })),
  );
}

/**
 * Makes the cluster's ACLs of the function users exactly those serverless.yml gives: creates the
 * missing ones and deletes those no declaration gives any more.
 */
export async function applyRoleAcls(log: Log): Promise<void> {
  const roles = localFunctionRoles();
  const wanted = roles.flatMap((role) => role.acls.map(toKafkajsAcl));
  const admin = localKafka('billing-local-stack-acls').admin();
  await admin.connect();
  try {
    const present = await describeRoleAcls(admin);
    const wantedKeys = new Set(wanted.map(aclKey));
    const presentKeys = new Set(present.map(aclKey));
    const stale = present.filter((acl) => !wantedKeys.has(aclKey(acl)));
    const missing = wanted.filter((acl) => !presentKeys.has(aclKey(acl)));
    if (stale.length > 0) await admin.deleteAcls({ filters: stale });
    if (missing.length > 0) await admin.createAcls({ acl: missing });
    log(
      `  ACLs: ${wanted.length} for ${roles.length} function roles (${missing.length} added, ${stale.length} removed)`,
    );
  } finally {
    await admin.disconnect();
  }
}
