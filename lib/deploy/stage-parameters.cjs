// Resolves `${param:region}` for a stage that has no block under `params` in serverless.yml: the
// command stops with one line that names what a stage needs (docs/deploy.md: Parameters).
module.exports = ({ options }) => {
  const stage = options.stage ?? 'dev';
  const error = new Error(
    `stage "${stage}" has no parameters: add params.${stage} with region, mskClusterArn, subnetIds, securityGroupIds, databaseSecretArn and alarmEmail to serverless.yml, or pass --stage example (packaging) or --stage local (offline)`,
  );
  // The message says it all: the framework prints a stack trace when there is one.
  error.stack = undefined;
  throw error;
};
