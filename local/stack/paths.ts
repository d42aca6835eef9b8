import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/** The repository root (the folder holding package.json). */
export const repoRoot = resolve(__dirname, '..', '..');

/** Where the native stack keeps its jars, data, logs and pid files (`STACK_STATE_DIR`, default `.stack`). */
export const stateDir = (() => {
  const configured = process.env.STACK_STATE_DIR;
  if (!configured) return join(repoRoot, '.stack');
  return isAbsolute(configured) ? configured : resolve(repoRoot, configured);
})();

export const paths = {
  composeFile: join(repoRoot, 'docker-compose.yml'),
  brokerEnv: join(repoRoot, 'local', 'kafka', 'broker.env'),
  kafkaLog4j: join(repoRoot, 'local', 'kafka', 'log4j2.properties'),
  toolsLog4j: join(repoRoot, 'local', 'kafka', 'tools-log4j2.properties'),
  nativePom: join(repoRoot, 'local', 'native', 'pom.xml'),
  registryPom: join(repoRoot, 'local', 'native', 'apicurio', 'pom.xml'),
  kafkaUiRequirements: join(repoRoot, 'local', 'native', 'kafka-ui', 'requirements.txt'),
  kafkaUiLauncher: join(repoRoot, 'local', 'native', 'kafka-ui', 'serve.py'),
  monitoring: join(repoRoot, 'local', 'monitoring'),
  prometheusConfig: join(repoRoot, 'local', 'monitoring', 'prometheus.yml'),
  dashboards: join(repoRoot, 'local', 'monitoring', 'grafana', 'dashboards'),
  jmxExporterConfig: join(repoRoot, 'local', 'monitoring', 'jmx-exporter.yml'),
  migrations: join(repoRoot, 'lib', 'database', 'migrations'),
  logs: join(stateDir, 'logs'),
  run: join(stateDir, 'run'),
  modeFile: join(stateDir, 'run', 'mode'),
  kafkaHome: (version: string) => join(stateDir, `kafka-${version}`),
  kafkaNode: (nodeId: number) => join(stateDir, 'kafka', `node-${nodeId}`),
  postgres: join(stateDir, 'postgres'),
  prometheus: join(stateDir, 'prometheus'),
  registryHome: (version: string) => join(stateDir, `apicurio-registry-${version}`),
  kafkaUi: join(stateDir, 'kafka-ui'),
  artifacts: join(stateDir, 'artifacts'),
  /** The billing API's offline credentials: one key per principal (lib/api/local-credentials.ts). */
  apiCredentials: join(stateDir, 'api-credentials.json'),
};

export const fileExists = (path: string): boolean => existsSync(path);
