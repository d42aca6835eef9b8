/**
 * Applies the read model's pending migrations during a deploy, before any MSK trigger exists (the
 * triggers depend on its custom resource). Answers CloudFormation: a failure stops the deploy and
 * rolls it back. Trigger: the custom resource ReadModelMigration (Create and Update; Delete keeps
 * the database as it is).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { resolveDatabaseUrl } from '../lib/config';
import { migrateReadModel } from '../lib/database/migrate';
import {
  type CustomResourceResult,
  CustomResourceStatus,
  sendCustomResourceResponse,
} from '../lib/migration';

const logger = new Logger({ serviceName: 'migrate-read-model' });

/** One resource per stack: its id never changes, so CloudFormation never asks to delete it on update. */
const PHYSICAL_RESOURCE_ID = 'billing-read-model-migrations';
/** Answer FAILED this long before the function's timeout, rather than leave CloudFormation waiting. */
const ANSWER_MARGIN_MS = 10_000;

async function migrate(): Promise<CustomResourceResult> {
  const databaseUrl = await resolveDatabaseUrl(process.env);
  const applied = await migrateReadModel({
    databaseUrl,
    migrationsDir: process.env.MIGRATIONS_DIR ?? 'lib/database/migrations',
    log: (message) => logger.debug(message),
  });
  logger.info('Read model migrated', { applied });
  return {
    status: CustomResourceStatus.success,
    physicalResourceId: PHYSICAL_RESOURCE_ID,
    reason: applied.length > 0 ? `Applied ${applied.join(', ')}` : 'Up to date',
    data: { Applied: applied.length },
  };
}

function deadline(context: Context): Promise<CustomResourceResult> {
  const ms = Math.max(0, context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS);
  return new Promise((resolve) => {
    setTimeout(
      () =>
        resolve({
          status: CustomResourceStatus.failed,
          physicalResourceId: PHYSICAL_RESOURCE_ID,
          reason: `Migrations did not finish within ${Math.round(ms / 1000)} s: check that the function reaches PostgreSQL and that no lock holds it`,
        }),
      ms,
    ).unref();
  });
}

export const handler = async (event: CloudFormationCustomResourceEvent, context: Context) => {
  let result: CustomResourceResult;
  if (event.RequestType === 'Delete') {
    result = { status: CustomResourceStatus.success, physicalResourceId: PHYSICAL_RESOURCE_ID };
  } else {
    result = await Promise.race([migrate(), deadline(context)]).catch(
      (error: unknown): CustomResourceResult => {
        logger.error('Read model migration failed', { error });
        const message = error instanceof Error ? error.message : String(error);
        return {
          status: CustomResourceStatus.failed,
          physicalResourceId: PHYSICAL_RESOURCE_ID,
          reason: `Migrations failed: ${message}`,
        };
      },
    );
  }
  await sendCustomResourceResponse(event, result);
  return result;
};
