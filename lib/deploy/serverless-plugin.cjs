// Loads the deployment plugin (TypeScript) for the Serverless Framework, which requires plugins as
// CommonJS. tsx is the loader the framework itself uses for TypeScript configuration.
const { require: tsxRequire } = require('tsx/cjs/api');

module.exports = tsxRequire('./serverless-plugin.ts', __filename).BillingDeployPlugin;
