import { readFileSync } from 'node:fs';
import type { GetBootstrapBrokersCommandOutput, KafkaClient } from '@aws-sdk/client-kafka';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type * as IamSigner from 'aws-msk-iam-sasl-signer-js';
import * as z from 'zod';
import type { KafkaAuthentication, KafkaConnection } from '../kafka/types';
import { kafkaSdk, mskApiClient, secretsManagerClient, secretsManagerSdk } from './aws-clients';
import { BootstrapBrokerField, KafkaAuthMode, KafkaEnvVariable } from './constants';
import { BootstrapBrokersError, KafkaConfigError, KafkaSecretError } from './errors';
import { loadKafkaSettings } from './kafka-settings';
import type { KafkaSettings, MskKafkaSettings } from './types';

/** The AWS clients and signer the resolution uses; injectable for tests and for shared clients. */
export interface KafkaConnectionDependencies {
  readonly kafkaClient?: KafkaClient;
  readonly secretsClient?: SecretsManagerClient;
  /** Produces an MSK IAM auth token for a region (default: the AWS MSK IAM SASL signer). */
  readonly iamTokenProvider?: (region: string) => Promise<{ readonly token: string }>;
}

const ScramSecretSchema = z.object({ username: z.string().min(1), password: z.string().min(1) });

/** Looks up the cluster's bootstrap brokers for the configured authentication. */
export async function resolveMskBootstrapBrokers(
  settings: MskKafkaSettings,
  kafkaClient: KafkaClient = mskApiClient({ region: settings.region }),
): Promise<string[]> {
  const field = BootstrapBrokerField[settings.auth];
  const { GetBootstrapBrokersCommand } = kafkaSdk();
  let response: GetBootstrapBrokersCommandOutput;
  try {
    response = await kafkaClient.send(new GetBootstrapBrokersCommand({ ClusterArn: settings.clusterArn }));
  } catch (error) {
    throw new BootstrapBrokersError(`Cannot get the bootstrap brokers of ${settings.clusterArn}`, {
      cause: error,
    });
  }
  const brokerString = response[field];
  if (typeof brokerString !== 'string' || brokerString.trim() === '') {
    throw new BootstrapBrokersError(
      `MSK cluster ${settings.clusterArn} has no ${field}: enable ${settings.auth === 'none' ? 'TLS' : settings.auth.toUpperCase()} client access on the cluster or change KAFKA_AUTH`,
    );
  }
  return brokerString
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
}

/** Reads MSK SCRAM credentials (JSON `{ "username", "password" }`) from Secrets Manager. */
export async function readScramCredentials(
  secretArn: string,
  secretsClient: SecretsManagerClient,
): Promise<{ username: string; password: string }> {
  const { GetSecretValueCommand } = secretsManagerSdk();
  let secretString: string | undefined;
  try {
    secretString = (await secretsClient.send(new GetSecretValueCommand({ SecretId: secretArn })))
      .SecretString;
  } catch (error) {
    throw new KafkaSecretError(`Cannot read the SCRAM secret ${secretArn}`, { cause: error });
  }
  return scramCredentialsOf(
    secretString ?? '',
    `SCRAM secret ${secretArn}`,
    (message, cause) => new KafkaSecretError(message, cause ? { cause } : undefined),
  );
}

/**
 * The credentials of an MSK SCRAM secret's JSON (`{ "username", "password" }`), from Secrets
 * Manager or a local file; `problem` makes the error, named after `source`.
 */
function scramCredentialsOf(
  text: string,
  source: string,
  problem: (message: string, cause?: Error) => Error,
): { username: string; password: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // The cause of a JSON.parse error can quote the secret: keep it out.
    throw problem(`${source} is not JSON`, new Error(error instanceof Error ? error.name : 'parse error'));
  }
  const parsed = ScramSecretSchema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw problem(`${source} lacks a non-empty ${fields}`);
  }
  return parsed.data;
}

/** Reads a local SCRAM credentials file, in the shape of an MSK SCRAM secret (at every connection: a rotated password is read again). */
export function readScramCredentialsFile(file: string): { username: string; password: string } {
  const variable = KafkaEnvVariable.scramCredentialsFile;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new KafkaConfigError([{ variable, message: `cannot read ${file}` }], { cause: error });
  }
  return scramCredentialsOf(
    text,
    file,
    (message, cause) => new KafkaConfigError([{ variable, message }], cause ? { cause } : undefined),
  );
}

/** Reads the PEM of the CA that signs the brokers' certificates. */
export function readCaFile(file: string): string {
  const variable = KafkaEnvVariable.tlsCaFile;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new KafkaConfigError([{ variable, message: `cannot read ${file}` }], { cause: error });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new KafkaConfigError([{ variable, message: `${file} holds no PEM certificate` }]);
  }
  return pem;
}

/**
 * The AWS MSK IAM SASL signer, required on the first token: it loads the SDK's credential
 * providers and STS client, which only an MSK connection with IAM needs (aws-clients.ts).
 */
const defaultIamTokenProvider = async (region: string) =>
  (require('aws-msk-iam-sasl-signer-js') as typeof IamSigner).generateAuthToken({ region });

async function authenticationOf(
  settings: MskKafkaSettings,
  dependencies: KafkaConnectionDependencies,
): Promise<KafkaAuthentication> {
  switch (settings.auth) {
    case KafkaAuthMode.none:
      return { mechanism: 'none' };
    case KafkaAuthMode.scram: {
      const secretsClient = dependencies.secretsClient ?? secretsManagerClient({ region: settings.region });
      const credentials = await readScramCredentials(settings.scramSecretArn, secretsClient);
      return { mechanism: 'scram-sha-512', ...credentials };
    }
    case KafkaAuthMode.iam: {
      const provider = dependencies.iamTokenProvider ?? defaultIamTokenProvider;
      // A fresh token per (re)authentication: tokens expire after 15 minutes.
      return {
        mechanism: 'oauthbearer',
        tokenProvider: async () => ({ value: (await provider(settings.region)).token }),
      };
    }
    default: {
      const unknown: never = settings;
      throw new BootstrapBrokersError(`Unsupported authentication ${JSON.stringify(unknown)}`);
    }
  }
}

/** Turns settings into a connection: for MSK, looks up the brokers and the credentials. */
export async function resolveKafkaConnection(
  settings: KafkaSettings,
  dependencies: KafkaConnectionDependencies = {},
): Promise<KafkaConnection> {
  if (settings.mode === 'brokers') {
    return {
      clientId: settings.clientId,
      brokers: settings.brokers,
      tls: settings.tls,
      ...(settings.tlsCaFile ? { tlsCa: readCaFile(settings.tlsCaFile) } : {}),
      authentication: settings.scramCredentialsFile
        ? { mechanism: 'scram-sha-512', ...readScramCredentialsFile(settings.scramCredentialsFile) }
        : { mechanism: 'none' },
    };
  }
  const [brokers, authentication] = await Promise.all([
    resolveMskBootstrapBrokers(settings, dependencies.kafkaClient),
    authenticationOf(settings, dependencies),
  ]);
  return { clientId: settings.clientId, brokers, tls: true, authentication };
}

/** Reads the environment and resolves the connection: what a handler calls once at start. */
export async function loadKafkaConnection(
  env: NodeJS.ProcessEnv = process.env,
  dependencies: KafkaConnectionDependencies = {},
): Promise<KafkaConnection> {
  return resolveKafkaConnection(loadKafkaSettings(env), dependencies);
}
