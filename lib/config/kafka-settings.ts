import * as z from 'zod';
import { DEFAULT_KAFKA_CLIENT_ID, KafkaAuthMode, KafkaEnvVariable as Var } from './constants';
import { KafkaConfigError } from './errors';
import type { KafkaSettings } from './types';

const BROKER = /^[A-Za-z0-9.-]+:([0-9]{1,5})$/;
const MSK_CLUSTER_ARN = /^arn:aws[a-z-]*:kafka:([a-z0-9-]+):[0-9]{12}:cluster\/[^/\s]+\/[^/\s]+$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:\S+$/;

/** An unset or blank variable counts as absent. */
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const brokersSchema = z
  .string()
  .transform((value) => value.split(',').map((broker) => broker.trim()))
  .pipe(
    z
      .array(
        z.string().refine((broker) => {
          const port = Number(BROKER.exec(broker)?.[1]);
          return port >= 1 && port <= 65535;
        }, 'each broker must be host:port with a port in 1..65535'),
      )
      .min(1),
  );

const envSchema = z.object({
  [Var.brokers]: optionalText.pipe(brokersSchema.optional()),
  [Var.tls]: optionalText.pipe(z.enum(['true', 'false'], { error: 'must be true or false' }).optional()),
  [Var.clusterArn]: optionalText.pipe(
    z
      .string()
      .regex(
        MSK_CLUSTER_ARN,
        'must be an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<id>)',
      )
      .optional(),
  ),
  [Var.auth]: optionalText.pipe(z.enum(KafkaAuthMode, { error: 'must be none, scram or iam' }).optional()),
  [Var.scramSecretArn]: optionalText.pipe(
    z.string().regex(SECRET_ARN, 'must be a Secrets Manager secret ARN').optional(),
  ),
  [Var.scramCredentialsFile]: optionalText,
  [Var.tlsCaFile]: optionalText,
  [Var.clientId]: optionalText.pipe(z.string().max(255).optional()),
});

interface Problem {
  variable: string;
  message: string;
}

type EnvVars = z.infer<typeof envSchema>;

/** Every missing setting, and every one that contradicts another, with the variable at fault. */
function problemsOf(vars: EnvVars): Problem[] {
  const brokers = vars[Var.brokers];
  const clusterArn = vars[Var.clusterArn];
  const auth = vars[Var.auth];
  const secretArn = vars[Var.scramSecretArn];
  const problems: Problem[] = [];

  if (brokers && clusterArn) {
    problems.push({
      variable: Var.brokers,
      message: `set either ${Var.brokers} or ${Var.clusterArn}, not both`,
    });
  }
  if (!brokers && !clusterArn) {
    problems.push({
      variable: Var.brokers,
      message: `missing: set ${Var.brokers} (local or self-managed brokers) or ${Var.clusterArn} (MSK)`,
    });
  }
  if (clusterArn && vars[Var.tls] === 'false') {
    problems.push({
      variable: Var.tls,
      message: `MSK is reached over TLS; ${Var.tls}=false contradicts ${Var.clusterArn}`,
    });
  }
  if (clusterArn && !auth) {
    problems.push({ variable: Var.auth, message: `missing: with ${Var.clusterArn} set none, scram or iam` });
  }
  const credentialsFile = vars[Var.scramCredentialsFile];
  const caFile = vars[Var.tlsCaFile];
  const tls = vars[Var.tls] === 'true';
  if (brokers && auth === KafkaAuthMode.iam) {
    problems.push({
      variable: Var.auth,
      message: `${Var.auth}=iam needs ${Var.clusterArn}; with ${Var.brokers} use none or scram`,
    });
  }
  if (clusterArn && auth === KafkaAuthMode.scram && !secretArn) {
    problems.push({
      variable: Var.scramSecretArn,
      message: `missing: required with ${Var.auth}=scram on MSK`,
    });
  }
  if (brokers && auth === KafkaAuthMode.scram) {
    if (!credentialsFile) {
      problems.push({
        variable: Var.scramCredentialsFile,
        message: `missing: with ${Var.brokers} and ${Var.auth}=scram, the JSON file of the user's credentials`,
      });
    }
    if (!tls) {
      problems.push({
        variable: Var.tls,
        message: `SCRAM is used over TLS only (the SASL_SSL listener): set ${Var.tls}=true with ${Var.auth}=scram`,
      });
    }
  }
  if (secretArn && (auth !== KafkaAuthMode.scram || !clusterArn)) {
    problems.push({
      variable: Var.scramSecretArn,
      message: `set, but it is used only with ${Var.clusterArn} and ${Var.auth}=scram`,
    });
  }
  if (credentialsFile && (auth !== KafkaAuthMode.scram || !brokers)) {
    problems.push({
      variable: Var.scramCredentialsFile,
      message: `set, but it is used only with ${Var.brokers} and ${Var.auth}=scram (on MSK: ${Var.scramSecretArn})`,
    });
  }
  if (caFile && !(brokers && tls)) {
    problems.push({
      variable: Var.tlsCaFile,
      message: `set, but it is used only with ${Var.brokers} and ${Var.tls}=true`,
    });
  }
  return problems;
}

/**
 * Reads and validates the Kafka settings from the environment. Throws KafkaConfigError, naming
 * each wrong variable, when a setting is missing, malformed or contradicts another.
 */
export function loadKafkaSettings(env: NodeJS.ProcessEnv = process.env): KafkaSettings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? '(environment)'),
      message: issue.message,
    }));
    throw new KafkaConfigError(problems, { cause: parsed.error });
  }
  const vars = parsed.data;
  const problems = problemsOf(vars);
  if (problems.length > 0) throw new KafkaConfigError(problems);
  const brokers = vars[Var.brokers];
  const clusterArn = vars[Var.clusterArn];
  const auth = vars[Var.auth];
  const secretArn = vars[Var.scramSecretArn];
  const credentialsFile = vars[Var.scramCredentialsFile];
  const caFile = vars[Var.tlsCaFile];
  const tls = vars[Var.tls] === 'true';
  const clientId = vars[Var.clientId] ?? DEFAULT_KAFKA_CLIENT_ID;

  if (brokers) {
    return {
      mode: 'brokers',
      clientId,
      brokers,
      tls,
      ...(caFile ? { tlsCaFile: caFile } : {}),
      ...(credentialsFile ? { scramCredentialsFile: credentialsFile } : {}),
    };
  }
  // Both are present here: checked above.
  const arn = clusterArn ?? '';
  const region = MSK_CLUSTER_ARN.exec(arn)?.[1] ?? '';
  const common = { mode: 'msk', clientId, clusterArn: arn, region } as const;
  switch (auth) {
    case KafkaAuthMode.scram:
      return { ...common, auth, scramSecretArn: secretArn ?? '' };
    case KafkaAuthMode.iam:
      return { ...common, auth };
    default:
      return { ...common, auth: KafkaAuthMode.none };
  }
}
