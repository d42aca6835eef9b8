// Loads the offline MSK emulator (TypeScript) for the Serverless Framework, which requires plugins
// as CommonJS; tsx, as for lib/deploy's plugin.
const { require: tsxRequire } = require('tsx/cjs/api');

module.exports = tsxRequire('./plugin.ts', __filename).MskOfflinePlugin;
