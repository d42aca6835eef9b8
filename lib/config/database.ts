import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { secretsManagerClient, secretsManagerSdk } from './aws-clients';
import { DatabaseEnvVariable as Var } from './constants';
import { DatabaseConfigError, DatabaseSecretError } from './errors';

const POSTGRES_URL = /^postgres(ql)?:\/\/\S+$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):[0-9]{12}:secret:\S+$/;

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const envSchema = z.object({
  [Var.url]: optionalText.pipe(
    z.string().regex(POSTGRES_URL, 'must be a postgres:// connection URL').optional(),
  ),
  [Var.secretArn]: optionalText.pipe(
    z.string().regex(SECRET_ARN, 'must be a Secrets Manager secret ARN').optional(),
  ),
});

/**
 * The secret's JSON, in the layout Secrets Manager uses for RDS and Aurora credentials; `sslmode`
 * defaults to verify-full (the Lambda functions trust the RDS authorities with NODE_EXTRA_CA_CERTS).
 */
const DatabaseSecretSchema = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535).default(5432),
  dbname: z.string().min(1),
  sslmode: z.enum(['disable', 'require', 'verify-ca', 'verify-full']).default('verify-full'),
});

export interface DatabaseUrlDependencies {
  readonly secretsClient?: SecretsManagerClient;
}

/** The connection URL of a secret value: a postgres:// URL as is, or RDS-style JSON credentials. */
export function databaseUrlOfSecret(secretArn: string, secretString: string | undefined): string {
  const value = (secretString ?? '').trim();
  if (POSTGRES_URL.test(value)) return value;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (error) {
    // The cause of a JSON.parse error can quote the secret: keep it out.
    throw new DatabaseSecretError(`Database secret ${secretArn} is neither a postgres:// URL nor JSON`, {
      cause: new Error(error instanceof Error ? error.name : 'parse error'),
    });
  }
  const parsed = DatabaseSecretSchema.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.')))].join(', ');
    throw new DatabaseSecretError(`Database secret ${secretArn} has a missing or invalid ${fields}`);
  }
  const { username, password, host, port, dbname, sslmode } = parsed.data;
  const user = `${encodeURIComponent(username)}:${encodeURIComponent(password)}`;
  return `postgres://${user}@${host}:${port}/${encodeURIComponent(dbname)}?sslmode=${sslmode}`;
}

/**
 * The PostgreSQL connection URL, resolved once per cold start: DATABASE_URL as is (local runs), or
 * the secret named by DATABASE_SECRET_ARN read from Secrets Manager (AWS, where no credential is
 * in the environment). Throws DatabaseConfigError naming the variables when neither or both are
 * set, DatabaseSecretError when the secret cannot be read or parsed (never quoting it).
 */
export async function resolveDatabaseUrl(
  env: NodeJS.ProcessEnv = process.env,
  dependencies: DatabaseUrlDependencies = {},
): Promise<string> {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    // Issue messages name the rule, never the value (a URL carries its password).
    throw new DatabaseConfigError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0]), message: issue.message })),
    );
  }
  const url = parsed.data[Var.url];
  const secretArn = parsed.data[Var.secretArn];
  if (url && secretArn) {
    throw new DatabaseConfigError([
      { variable: Var.url, message: `set either ${Var.url} (local) or ${Var.secretArn} (AWS), not both` },
    ]);
  }
  if (url) return url;
  if (!secretArn) {
    throw new DatabaseConfigError([
      { variable: Var.url, message: `missing: set ${Var.url} (local) or ${Var.secretArn} (AWS)` },
    ]);
  }
  const region = SECRET_ARN.exec(secretArn)?.[1];
  const client = dependencies.secretsClient ?? secretsManagerClient({ region: region ?? '' });
  const { GetSecretValueCommand } = secretsManagerSdk();
  let secretString: string | undefined;
  try {
    secretString = (await client.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString;
  } catch (error) {
    throw new DatabaseSecretError(`Cannot read the database secret ${secretArn}`, { cause: error });
  }
  return databaseUrlOfSecret(secretArn, secretString);
}
