/**
 * The read model's migrations as a deploy step: a CloudFormation custom resource runs them (the
 * runner and the SQL are lib/database's).
 */
export {
  type CustomResourceResult,
  CustomResourceStatus,
  customResourceResponse,
  sendCustomResourceResponse,
} from './custom-resource';
