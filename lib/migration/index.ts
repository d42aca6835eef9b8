/** The read model's migrations as a deploy step: node-pg-migrate run by a CloudFormation custom resource. */
export {
  type CustomResourceResult,
  CustomResourceStatus,
  customResourceResponse,
  sendCustomResourceResponse,
} from './custom-resource';
export { MIGRATIONS_TABLE, MigrationError, type MigrationOptions, migrateReadModel } from './migrate';
