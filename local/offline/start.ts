/**
 * `npm start`: the local stack up (if it is not: topics, migrations), then `sls offline start --stage
 * local` with the MSK emulator, printing where everything listens. Ctrl-C stops sls offline (the
 * emulator's consumers cleanly); the stack keeps running (`npm run stack:down` stops it).
 * `npm start -- --secure` runs the functions and the emulator through the SASL_SSL listener.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { securityPaths } from '../stack/kafka-security';
import { paths, repoRoot } from '../stack/paths';
import { MSK_OFFLINE_DEFAULTS } from './constants';

const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name);

const up = spawnSync(bin('tsx'), [join(repoRoot, 'local', 'stack', 'cli.ts'), 'up'], {
  stdio: 'inherit',
  cwd: repoRoot,
});
if (up.status !== 0) process.exit(up.status ?? 1);

// `--secure`: everything through the SASL_SSL listener, each function as its own SCRAM user.
const secure = process.argv.includes('--secure') || process.env.MSK_OFFLINE_SECURE === 'true';
const args = process.argv.slice(2).filter((arg) => arg !== '--secure');
const lambdaPortArg = args.indexOf('--lambdaPort');
const lambdaPort = lambdaPortArg >= 0 ? args[lambdaPortArg + 1] : MSK_OFFLINE_DEFAULTS.lambdaPort;
const httpPortArg = args.indexOf('--httpPort');
const httpPort = httpPortArg >= 0 ? args[httpPortArg + 1] : MSK_OFFLINE_DEFAULTS.httpPort;
const metricsPort = Number(process.env.MSK_OFFLINE_METRICS_PORT ?? MSK_OFFLINE_DEFAULTS.metricsPort);
console.log(
  [
    '',
    'sls offline (stage local) with the MSK emulator:',
    `  Billing API         http://localhost:${httpPort} (OpenAPI: /openapi.json; docs/api.md)`,
    `  API credentials     ${paths.apiCredentials}: -H "Authorization: Bearer $(jq -r .alice.key ${relative(repoRoot, paths.apiCredentials)})"`,
    `  Lambda Invoke API   http://localhost:${lambdaPort}/2015-03-31/functions/billing-local-<function>/invocations`,
    `  Emulator metrics    http://127.0.0.1:${metricsPort}/metrics`,
    '  Triggers            every msk event of serverless.yml, listed below as "msk-offline: <function> <- <topic>"',
    secure
      ? `  Kafka               SASL_SSL ${MSK_OFFLINE_DEFAULTS.secureBrokers.join(',')}, each function as its own SCRAM user (CA ${relative(repoRoot, securityPaths.ca)})`
      : `  Kafka               plaintext ${MSK_OFFLINE_DEFAULTS.brokers.join(',')} (npm start -- --secure: the SASL_SSL listener)`,
    '',
  ].join('\n'),
);

const offline = spawn(process.execPath, [bin('sls'), 'offline', 'start', '--stage', 'local', ...args], {
  stdio: 'inherit',
  cwd: repoRoot,
  env: secure ? { ...process.env, MSK_OFFLINE_SECURE: 'true' } : process.env,
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => offline.kill(signal));
}
offline.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
