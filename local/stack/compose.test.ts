import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { DCLinter } from 'dclint';
import { parse } from 'yaml';
import * as z from 'zod';
import { envNameToProperty, parseEnvFile, readBrokerSettings } from './broker-settings';
import { nativeNodeProperties } from './native-kafka';
import { kafkaUiPort } from './native-kafka-ui';
import { prometheusRetention } from './native-prometheus';
import { registryDefaultCompatibility, registryPort } from './native-schema-registry';
import { operatorEndpoints } from './operator-services';
import { paths, repoRoot } from './paths';
import { composeAlertsDir, prometheusPort } from './prometheus-config';
import { bootstrapBrokers, composeServices, type KafkaNode, kafkaNodes, postgresLocal } from './topology';

// The parts of docker-compose.yml these tests read; parsing fails loudly if their shape changes.
const serviceSchema = z.object({
  image: z.string(),
  container_name: z.string(),
  hostname: z.string().optional(),
  depends_on: z
    .record(
      z.string(),
      z.object({
        condition: z.enum(['service_started', 'service_healthy', 'service_completed_successfully']),
      }),
    )
    .optional(),
  volumes: z.array(z.string()).default([]),
  environment: z.record(z.string(), z.string()).default({}),
  env_file: z.string().optional(),
  ports: z.array(z.string()).default([]),
  command: z.array(z.string()).optional(),
  restart: z.string().optional(),
  healthcheck: z.object({ test: z.array(z.string()) }).optional(),
});
type ComposeService = z.infer<typeof serviceSchema>;
const composeSchema = z.object({
  name: z.string(),
  services: z.record(z.string(), serviceSchema),
  volumes: z.record(z.string(), z.unknown()),
});

const composeText = readFileSync(paths.composeFile, 'utf8');
const compose = composeSchema.parse(parse(composeText));
const brokerEnv = parseEnvFile(readFileSync(paths.brokerEnv, 'utf8'), paths.brokerEnv);
const monitoringDir = join(repoRoot, 'local', 'monitoring');

function service(name: string): ComposeService {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

const kafkaServiceName = (node: KafkaNode) => `kafka-${node.nodeId}`;
const kafkaService = (node: KafkaNode) => service(kafkaServiceName(node));
const env = (svc: ComposeService, key: string): string => {
  const value = svc.environment[key];
  if (value === undefined) throw new Error(`${svc.container_name}: environment has no ${key}`);
  return value;
};

/** `NAME://host:port,...` as a map from listener name to host and port. */
function listenerMap(value: string): Record<string, { host: string; port: number }> {
  return Object.fromEntries(
    value.split(',').map((entry) => {
      const match = /^([A-Z_]+):\/\/([^:]*):(\d+)$/.exec(entry.trim());
      if (!match?.[1] || match[2] === undefined || !match[3]) throw new Error(`Not a listener: ${entry}`);
      return [match[1], { host: match[2], port: Number(match[3]) }];
    }),
  );
}

/** `host-ip:host-port:container-port` publications of a service. */
const publications = (svc: ComposeService) =>
  svc.ports.map((port) => {
    const match = /^(127\.0\.0\.1):(\d+):(\d+)$/.exec(port);
    if (!match?.[2] || !match[3]) throw new Error(`${svc.container_name}: unexpected port form "${port}"`);
    return { hostPort: Number(match[2]), containerPort: Number(match[3]) };
  });

/** The container path a host file or folder (relative to the repository) is mounted at. */
function mountTarget(svc: ComposeService, hostPath: string): string | undefined {
  for (const volume of svc.volumes) {
    const [source, target] = volume.split(':');
    if (source?.startsWith('.') && resolve(repoRoot, source) === resolve(repoRoot, hostPath)) return target;
  }
  return undefined;
}

const namedVolumeTarget = (svc: ComposeService, volume: string) =>
  svc.volumes.map((entry) => entry.split(':')).find(([source]) => source === volume)?.[1];

interface JmxAgent {
  readonly jar: string;
  readonly port: number;
  readonly rules: string;
}
function jmxAgent(svc: ComposeService): JmxAgent {
  const match = /-javaagent:(\S+?)=(\d+):(\S+)/.exec(env(svc, 'KAFKA_OPTS'));
  if (!match?.[1] || !match[2] || !match[3])
    throw new Error(`${svc.container_name}: no -javaagent in KAFKA_OPTS`);
  return { jar: match[1], port: Number(match[2]), rules: match[3] };
}

/** The metric names a PromQL expression selects: identifiers that are not functions, labels or windows. */
function metricNamesIn(expr: string): string[] {
  const withoutLabels = expr
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without)\s*\([^)]*\)/g, '');
  return withoutLabels.match(/\b[a-zA-Z_:][a-zA-Z0-9_:]*\b(?!\s*\()/g) ?? [];
}

// Every dclint rule at its default, but ports quoted the way Biome formats YAML (double quotes).
const lintCompose = (file: string) =>
  new DCLinter({
    rules: { 'require-quotes-in-ports': [1, { quoteType: 'double' }] },
    quiet: true,
    debug: false,
    exclude: [],
  }).lintFiles([file], false);

describe('docker-compose.yml and the Compose specification', () => {
  it('passes the schema validation and every dclint rule', () => {
    // Act
    const [result] = lintCompose(paths.composeFile);

    // Assess
    expect(result?.filePath).toBe(paths.composeFile);
    expect(result?.messages).toEqual([]);
  });

  describe('a deliberately broken copy is rejected, so the validation really validates', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'compose-spec-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it.each([
      ['a misspelt service key', 'env_file: ./local', 'envfile: ./local'],
      ['an unknown depends_on condition', 'condition: service_healthy', 'condition: service_ready'],
      ['a non-string image', 'image: postgres:15.14', 'image: [postgres]'],
    ])('%s', (_case, valid, broken) => {
      // Prepare
      expect(composeText).toContain(valid);
      const copy = join(dir, 'docker-compose.yml');
      writeFileSync(copy, composeText.replace(valid, broken));

      // Act
      const [result] = lintCompose(copy);

      // Assess
      expect(result?.messages.map((message) => message.rule)).toContain('invalid-schema');
      expect(result?.errorCount).toBeGreaterThan(0);
    });
  });
});

describe('the Kafka nodes', () => {
  const nodes = kafkaNodes.map((node) => [kafkaServiceName(node), node] as const);

  it('are exactly the nodes of local/stack/topology.ts', () => {
    // Act
    const kafkaServices = Object.keys(compose.services).filter((name) => /^kafka-\d+$/.test(name));

    // Assess
    expect(kafkaServices).toEqual(kafkaNodes.map(kafkaServiceName));
  });

  it.each(nodes)('%s has its container name, hostname and node id', (name, node) => {
    // Act
    const svc = kafkaService(node);

    // Assess
    expect(svc.container_name).toBe(node.name);
    expect(svc.container_name).toBe(`billing-kafka-${node.nodeId}`);
    expect(svc.hostname).toBe(name);
    expect(env(svc, 'KAFKA_NODE_ID')).toBe(String(node.nodeId));
  });

  it.each(nodes)(
    '%s takes the shared settings from local/kafka/broker.env and overrides none',
    (_name, node) => {
      // Prepare
      const svc = kafkaService(node);

      // Act
      const overridden = Object.keys(svc.environment).filter((key) => key in brokerEnv);

      // Assess
      expect(svc.env_file).toBe('./local/kafka/broker.env');
      expect(resolve(repoRoot, svc.env_file ?? '')).toBe(paths.brokerEnv);
      expect(overridden).toEqual([]);
    },
  );

  it.each(nodes)('%s sets only per-node settings in environment', (_name, node) => {
    // Act
    const keys = Object.keys(kafkaService(node).environment).sort();

    // Assess
    expect(keys).toEqual(
      [
        'KAFKA_ADVERTISED_LISTENERS',
        'KAFKA_CONTROLLER_QUORUM_VOTERS',
        'KAFKA_HEAP_OPTS',
        'KAFKA_INTER_BROKER_LISTENER_NAME',
        'KAFKA_LISTENERS',
        'KAFKA_LISTENER_NAME_SECURE_SSL_KEYSTORE_LOCATION',
        'KAFKA_LISTENER_NAME_SECURE_SSL_KEYSTORE_TYPE',
        'KAFKA_LISTENER_SECURITY_PROTOCOL_MAP',
        'KAFKA_LOG_DIRS',
        'KAFKA_NODE_ID',
        'KAFKA_OPTS',
      ].sort(),
    );
  });

  it.each(nodes)(
    '%s advertises localhost:<topology port> to the host and publishes it there',
    (_name, node) => {
      // Prepare
      const svc = kafkaService(node);
      const listeners = listenerMap(env(svc, 'KAFKA_LISTENERS'));

      // Act
      const advertised = listenerMap(env(svc, 'KAFKA_ADVERTISED_LISTENERS'));

      // Assess
      expect(advertised.EXTERNAL).toEqual({ host: 'localhost', port: node.port });
      expect(publications(svc)).toContainEqual({
        hostPort: node.port,
        containerPort: listeners.EXTERNAL?.port,
      });
    },
  );

  it.each(nodes)(
    '%s has the in-network listener on port 19092 that local/kafka.sh rewrites to',
    (name, node) => {
      // Prepare
      const kafkaSh = readFileSync(join(repoRoot, 'local', 'kafka.sh'), 'utf8');
      const rewrite = new RegExp(`localhost:${node.port}/([\\w-]+:\\d+)`).exec(kafkaSh)?.[1];
      const svc = kafkaService(node);

      // Act
      const advertised = listenerMap(env(svc, 'KAFKA_ADVERTISED_LISTENERS'));
      const interBroker = env(svc, 'KAFKA_INTER_BROKER_LISTENER_NAME');

      // Assess
      expect(advertised[interBroker]).toEqual({ host: name, port: 19092 });
      expect(rewrite).toBe(`${name}:19092`);
      expect(kafkaSh).toMatch(new RegExp(`docker exec -i .*${kafkaNodes[0]?.name} "/opt/kafka/bin/\\$tool"`));
    },
  );

  it.each(nodes)(
    '%s keeps the controller listener inside the network, on no clashing port',
    (_name, node) => {
      // Prepare
      const svc = kafkaService(node);
      const controllerListener = brokerEnv.KAFKA_CONTROLLER_LISTENER_NAMES ?? '';

      // Act
      const listeners = listenerMap(env(svc, 'KAFKA_LISTENERS'));
      const advertised = listenerMap(env(svc, 'KAFKA_ADVERTISED_LISTENERS'));
      const protocols = env(svc, 'KAFKA_LISTENER_SECURITY_PROTOCOL_MAP')
        .split(',')
        .map((entry) => entry.split(':')[0]);
      const containerPorts = [...Object.values(listeners).map((l) => l.port), jmxAgent(svc).port];

      // Assess
      expect(controllerListener).toBe('CONTROLLER');
      expect(Object.keys(listeners).sort()).toEqual(['CONTROLLER', 'EXTERNAL', 'INTERNAL', 'SECURE']);
      expect(protocols.sort()).toEqual(Object.keys(listeners).sort());
      expect(advertised[controllerListener]).toBeUndefined();
      expect(publications(svc).map((p) => p.containerPort)).not.toContain(
        listeners[controllerListener]?.port,
      );
      expect(new Set(containerPorts).size).toBe(containerPorts.length);
    },
  );

  it.each(nodes)(
    '%s votes in a quorum of every node, by node id, over the controller listener',
    (_name, node) => {
      // Prepare
      const svc = kafkaService(node);
      const controllerPort = listenerMap(env(svc, 'KAFKA_LISTENERS')).CONTROLLER?.port;

      // Act
      const voters = env(svc, 'KAFKA_CONTROLLER_QUORUM_VOTERS').split(',');

      // Assess
      expect(voters).toEqual(kafkaNodes.map((n) => `${n.nodeId}@${kafkaServiceName(n)}:${controllerPort}`));
    },
  );

  it.each(nodes)('%s keeps its log in its own named volume', (_name, node) => {
    // Prepare
    const svc = kafkaService(node);
    const volume = `kafka-${node.nodeId}-data`;

    // Act
    const target = namedVolumeTarget(svc, volume);

    // Assess
    expect(compose.volumes).toHaveProperty(volume);
    expect(target).toBe(env(svc, 'KAFKA_LOG_DIRS'));
  });

  it.each(nodes)('%s is healthy only when its own in-network listener answers', (name, node) => {
    // Act
    const test = kafkaService(node).healthcheck?.test ?? [];

    // Assess
    expect(test[0]).toBe('CMD-SHELL');
    // Cleared: the broker's JMX agent already holds the agent port, and a second agent would exit.
    expect(test[1]).toMatch(/^KAFKA_OPTS= /);
    expect(test[1]).toContain(`kafka-broker-api-versions.sh --bootstrap-server ${name}:19092`);
  });
});

describe('native and compose modes agree', () => {
  const nodes = kafkaNodes.map((node) => [node.nodeId, node] as const);

  /** The server properties compose gives a node: broker.env plus its environment, as the image converts them. */
  function composeNodeProperties(node: KafkaNode): Record<string, string> {
    const jvmOptions = new Set(['KAFKA_OPTS', 'KAFKA_HEAP_OPTS']);
    const merged = { ...brokerEnv, ...kafkaService(node).environment };
    return Object.fromEntries(
      Object.entries(merged)
        .filter(([name]) => name.startsWith('KAFKA_') && !jvmOptions.has(name))
        .map(([name, value]) => [envNameToProperty(name), value]),
    );
  }

  it.each(nodes)('native node %i has every broker.env setting', (_nodeId, node) => {
    // Prepare
    const { properties } = readBrokerSettings();

    // Act
    const native = nativeNodeProperties(node);

    // Assess
    expect(native).toMatchObject(properties);
  });

  it.each(nodes)(
    'node %i sets the same properties, with the same shared values, in both modes',
    (_nodeId, node) => {
      // Prepare
      const { properties: shared } = readBrokerSettings();

      // Act
      const native = nativeNodeProperties(node);
      const composed = composeNodeProperties(node);

      // Assess
      expect(Object.keys(composed).sort()).toEqual(Object.keys(native).sort());
      expect(composed).toMatchObject(shared);
      expect(composed['node.id']).toBe(native['node.id']);
      expect(composed['inter.broker.listener.name']).toBeDefined();
    },
  );

  it.each(nodes)('node %i has the same quorum voter ids in both modes', (_nodeId, node) => {
    // Prepare
    const voterIds = (voters: string | undefined) =>
      (voters ?? '').split(',').map((voter) => voter.split('@')[0]);

    // Act
    const native = voterIds(nativeNodeProperties(node)['controller.quorum.voters']);
    const composed = voterIds(composeNodeProperties(node)['controller.quorum.voters']);

    // Assess
    expect(composed).toEqual(native);
    expect(composed).toEqual(kafkaNodes.map((n) => String(n.nodeId)));
  });

  it.each(nodes)('node %i advertises the same host port to host clients in both modes', (_nodeId, node) => {
    // Act
    const native = listenerMap(nativeNodeProperties(node)['advertised.listeners'] ?? '');
    const composed = listenerMap(composeNodeProperties(node)['advertised.listeners'] ?? '');

    // Assess
    expect(composed.EXTERNAL).toEqual({ host: 'localhost', port: node.port });
    expect(Object.values(native)).toContainEqual(composed.EXTERNAL);
  });
});

describe('Prometheus metrics from the brokers', () => {
  const nodes = kafkaNodes.map((node) => [kafkaServiceName(node), node] as const);

  it.each(nodes)('%s loads the JMX exporter agent with the shared rules file', (_name, node) => {
    // Prepare
    const svc = kafkaService(node);
    const init = service('jmx-exporter-agent');
    const outputDirectory = init.command
      ?.find((arg) => arg.startsWith('-DoutputDirectory='))
      ?.slice('-DoutputDirectory='.length);

    // Act
    const agent = jmxAgent(svc);

    // Assess
    expect(agent.rules).toBe(mountTarget(svc, 'local/monitoring/jmx-exporter.yml'));
    expect(posix.dirname(agent.jar)).toBe(namedVolumeTarget(svc, 'jmx-exporter-agent'));
    expect(posix.dirname(agent.jar)).toBe(outputDirectory);
    expect(namedVolumeTarget(init, 'jmx-exporter-agent')).toBe(outputDirectory);
    expect(svc.depends_on?.['jmx-exporter-agent']?.condition).toBe('service_completed_successfully');
  });

  it.each(nodes)('%s publishes its agent on the topology metrics port', (_name, node) => {
    // Prepare
    const svc = kafkaService(node);

    // Act
    const agentPort = jmxAgent(svc).port;

    // Assess
    expect(agentPort).toBe(7071);
    expect(publications(svc)).toContainEqual({ hostPort: node.metricsPort, containerPort: agentPort });
  });

  it('fetches the agent with Maven in a one-shot service', () => {
    // Act
    const init = service('jmx-exporter-agent');

    // Assess
    expect(init.image).toMatch(/^maven:\d+\.\d+\.\d+-/);
    expect(init.command?.[0]).toBe('mvn');
    expect(init.command).toContainEqual(
      expect.stringMatching(/:maven-dependency-plugin:\d+\.\d+\.\d+:copy$/),
    );
    expect(init.command).toContainEqual(
      expect.stringMatching(/^-Dartifact=io\.prometheus\.jmx:jmx_prometheus_javaagent:\d/),
    );
    expect(init.restart).toBe('no');
    expect(init.healthcheck).toBeUndefined();
  });

  it('Prometheus scrapes every broker at the agent port, inside the network', () => {
    // Prepare
    const config = parse(readFileSync(join(monitoringDir, 'prometheus.yml'), 'utf8')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const agentPort = jmxAgent(kafkaService(kafkaNodes[0] as KafkaNode)).port;

    // Act
    const kafkaJob = config.scrape_configs.find((job) => job.job_name === 'kafka');
    const targets = kafkaJob?.static_configs.flatMap((group) => group.targets);

    // Assess
    expect(targets).toEqual(kafkaNodes.map((node) => `${kafkaServiceName(node)}:${agentPort}`));
  });

  it('Prometheus reads the mounted prometheus.yml', () => {
    // Prepare
    const prometheus = service('prometheus');

    // Act
    const mounted = mountTarget(prometheus, 'local/monitoring/prometheus.yml');

    // Assess
    expect(mounted).toBeDefined();
    expect(prometheus.command).toContain(`--config.file=${mounted}`);
  });
});

describe('the other services', () => {
  const internalBootstrap = kafkaNodes.map((node) => `${kafkaServiceName(node)}:19092`);
  const hostPortOf = (url: string) => Number(new URL(url).port);

  it.each([
    ['schema-registry', composeServices.schemaRegistry, 8081],
    ['kafka-ui', composeServices.kafkaUi, 8080],
    ['prometheus', composeServices.prometheus, 9090],
    ['grafana', composeServices.grafana, 3000],
  ])('%s is published on localhost as in topology.ts (%s)', (name, url, containerPort) => {
    // Act
    const published = publications(service(name));

    // Assess
    expect(published).toEqual([{ hostPort: hostPortOf(url), containerPort }]);
  });

  it('Schema Registry stores its schemas in the cluster over the in-network listeners', () => {
    // Act
    const registry = service('schema-registry');

    // Assess
    expect(env(registry, 'SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS').split(',')).toEqual(
      internalBootstrap.map((address) => `PLAINTEXT://${address}`),
    );
    expect(env(registry, 'SCHEMA_REGISTRY_LISTENERS')).toBe('http://0.0.0.0:8081');
  });

  it('Kafka UI shows the cluster, its registry and the brokers agent metrics', () => {
    // Act
    const ui = service('kafka-ui');

    // Assess
    expect(env(ui, 'KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS').split(',')).toEqual(internalBootstrap);
    expect(env(ui, 'KAFKA_CLUSTERS_0_SCHEMAREGISTRY')).toBe('http://schema-registry:8081');
    expect(env(ui, 'KAFKA_CLUSTERS_0_METRICS_TYPE')).toBe('PROMETHEUS');
    expect(Number(env(ui, 'KAFKA_CLUSTERS_0_METRICS_PORT'))).toBe(
      jmxAgent(kafkaService(kafkaNodes[0] as KafkaNode)).port,
    );
  });

  it('PostgreSQL has the URL of native mode', () => {
    // Act
    const postgres = service('postgres');

    // Assess
    expect(postgres.image).toMatch(/^postgres:15\.\d+$/);
    expect(publications(postgres)).toEqual([{ hostPort: postgresLocal.port, containerPort: 5432 }]);
    expect(postgres.environment).toMatchObject({
      POSTGRES_USER: postgresLocal.user,
      POSTGRES_PASSWORD: postgresLocal.password,
      POSTGRES_DB: postgresLocal.database,
    });
    expect(postgresLocal.host).toBe('127.0.0.1');
  });

  it('every long-running service has a health check, and every health condition has one to wait for', () => {
    // Prepare
    const longRunning = Object.entries(compose.services).filter(([name]) => name !== 'jmx-exporter-agent');

    // Act
    const withoutHealthcheck = longRunning.filter(([, svc]) => !svc.healthcheck).map(([name]) => name);
    const waitedForWithoutHealthcheck = Object.values(compose.services).flatMap((svc) =>
      Object.entries(svc.depends_on ?? {})
        .filter(([, dependency]) => dependency.condition === 'service_healthy')
        .map(([name]) => name)
        .filter((name) => !compose.services[name]?.healthcheck),
    );

    // Assess
    expect(withoutHealthcheck).toEqual([]);
    expect(waitedForWithoutHealthcheck).toEqual([]);
  });

  it('Schema Registry and Kafka UI start only once every broker is healthy', () => {
    // Act
    const conditions = ['schema-registry', 'kafka-ui'].map((name) => service(name).depends_on ?? {});

    // Assess
    for (const dependsOn of conditions) {
      for (const node of kafkaNodes) {
        expect(dependsOn[kafkaServiceName(node)]?.condition).toBe('service_healthy');
      }
    }
  });

  it('declares exactly the named volumes the services use', () => {
    // Act
    const used = new Set(
      Object.values(compose.services).flatMap((svc) =>
        svc.volumes.map((volume) => volume.split(':')[0] ?? '').filter((source) => !source.startsWith('.')),
      ),
    );

    // Assess
    expect([...used].sort()).toEqual(Object.keys(compose.volumes).sort());
  });

  it('gives every container a unique billing- name', () => {
    // Act
    const names = Object.values(compose.services).map((svc) => svc.container_name);

    // Assess
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((name) => !name.startsWith('billing-'))).toEqual([]);
  });

  it('names no host outside the stack in any URL (images and the agent come through their clients)', () => {
    // Prepare
    const allowedHosts = new Set(['localhost', '0.0.0.0', ...Object.keys(compose.services)]);

    // Act
    const foreign = [...composeText.matchAll(/[a-z]+:\/\/([^/:\s,"']+)/g)]
      .map((match) => match[1] ?? '')
      .filter((host) => !allowedHosts.has(host));

    // Assess
    expect(foreign).toEqual([]);
  });
});

describe('Grafana provisioning', () => {
  const provisioning = join(monitoringDir, 'grafana', 'provisioning');
  const grafana = service('grafana');
  const datasourcesFile = z.object({
    apiVersion: z.literal(1),
    datasources: z.array(z.object({ name: z.string(), uid: z.string(), type: z.string(), url: z.string() })),
  });
  const dashboardsFile = z.object({
    apiVersion: z.literal(1),
    providers: z.array(z.object({ type: z.literal('file'), options: z.object({ path: z.string() }) })),
  });
  const readYaml = (file: string) => parse(readFileSync(file, 'utf8'));
  const datasources = datasourcesFile.parse(readYaml(join(provisioning, 'datasources', 'datasources.yml')));
  const providers = dashboardsFile.parse(readYaml(join(provisioning, 'dashboards', 'dashboards.yml')));

  it('mounts the provisioning folders where Grafana reads them', () => {
    // Act
    const datasourcesTarget = mountTarget(grafana, 'local/monitoring/grafana/provisioning/datasources');
    const dashboardsTarget = mountTarget(grafana, 'local/monitoring/grafana/provisioning/dashboards');

    // Assess
    expect(datasourcesTarget).toBe('/etc/grafana/provisioning/datasources');
    expect(dashboardsTarget).toBe('/etc/grafana/provisioning/dashboards');
  });

  it('provisions the compose Prometheus as the data source', () => {
    // Prepare
    const prometheusPort = publications(service('prometheus'))[0]?.containerPort;

    // Act
    const [source, ...others] = datasources.datasources;

    // Assess
    expect(others).toEqual([]);
    expect(source?.type).toBe('prometheus');
    expect(source?.url).toBe(`http://prometheus:${prometheusPort}`);
  });

  it('loads dashboards from the folder that compose mounts', () => {
    // Act
    const dashboardsTarget = mountTarget(grafana, 'local/monitoring/grafana/dashboards');

    // Assess
    expect(dashboardsTarget).toBeDefined();
    expect(providers.providers.map((provider) => provider.options.path)).toEqual([dashboardsTarget]);
  });

  describe('the Kafka dashboard', () => {
    const panelSchema = z.object({
      title: z.string(),
      datasource: z.object({ type: z.string(), uid: z.string() }),
      targets: z.array(
        z.object({ expr: z.string(), datasource: z.object({ type: z.string(), uid: z.string() }) }),
      ),
    });
    const dashboard = z
      .object({ uid: z.string(), title: z.string(), panels: z.array(panelSchema) })
      .parse(JSON.parse(readFileSync(join(monitoringDir, 'grafana', 'dashboards', 'kafka.json'), 'utf8')));
    const expressions = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
    const metricNames = [...new Set(expressions.flatMap(metricNamesIn))].sort();

    /**
     * Names read from the native brokers' agents (`curl -s localhost:7071/metrics`) with the rules of
     * local/monitoring/jmx-exporter.yml, Kafka 4.1.1, exporter 1.0.1.
     */
    const metricsSeenOnLiveBrokers = new Set([
      'kafka_controller_kafkacontroller_activebrokercount',
      'kafka_controller_kafkacontroller_activecontrollercount',
      'kafka_controller_kafkacontroller_offlinepartitionscount',
      'kafka_network_requestmetrics_requests_total',
      'kafka_network_requestmetrics_totaltimems',
      'kafka_server_brokertopicmetrics_bytesin_total',
      'kafka_server_brokertopicmetrics_bytesout_total',
      'kafka_server_brokertopicmetrics_messagesin_total',
      'kafka_server_raft_metrics_current_leader',
      'kafka_server_replicamanager_underminisrpartitioncount',
      'kafka_server_replicamanager_underreplicatedpartitions',
    ]);

    it('uses the provisioned data source in every panel and query', () => {
      // Prepare
      const uid = datasources.datasources[0]?.uid;

      // Act
      const uids = new Set(
        dashboard.panels.flatMap((panel) => [
          panel.datasource.uid,
          ...panel.targets.map((t) => t.datasource.uid),
        ]),
      );

      // Assess
      expect(uid).toBeDefined();
      expect([...uids]).toEqual([uid]);
    });

    it('has the panels an operator of the cluster looks at first', () => {
      // Act
      const titles = dashboard.panels.map((panel) => panel.title.toLowerCase());

      // Assess
      for (const topic of [
        'messages in',
        'bytes in / out',
        'under-replicated',
        'offline partitions',
        'active controllers',
        'quorum leader',
        'requests per second',
        'latency',
      ]) {
        expect(titles.some((title) => title.includes(topic))).toBe(true);
      }
      expect(expressions.every((expr) => /\bkafka_/.test(expr))).toBe(true);
    });

    it('finds metric names in PromQL, and only them', () => {
      // Act
      const names = metricNamesIn('sum by (topic) (rate(kafka_a_total{topic!=""}[$__rate_interval])) / up');

      // Assess
      expect(names).toEqual(['kafka_a_total', 'up']);
    });

    it('uses only metric names that the brokers agents were seen to export', () => {
      // Act
      const unknown = metricNames.filter(
        (name) => !name.startsWith('kafka_') || !metricsSeenOnLiveBrokers.has(name),
      );

      // Assess
      expect(metricNames.length).toBeGreaterThanOrEqual(8);
      expect(metricNames).toContain('kafka_server_brokertopicmetrics_messagesin_total');
      expect(unknown).toEqual([]);
    });

    it('uses only metric names that a rule of jmx-exporter.yml can produce', () => {
      // Prepare
      const rules = z
        .object({ lowercaseOutputName: z.literal(true), rules: z.array(z.object({ name: z.string() })) })
        .parse(parse(readFileSync(join(monitoringDir, 'jmx-exporter.yml'), 'utf8')));
      const patterns = rules.rules.map(
        (rule) => new RegExp(`^${rule.name.replace(/\$\d+/g, '[a-z0-9_]+')}$`),
      );

      // Act
      const unmatched = metricNames.filter((name) => !patterns.some((pattern) => pattern.test(name)));

      // Assess
      expect(patterns.length).toBeGreaterThan(0);
      expect(unmatched).toEqual([]);
    });
  });
});

describe('native mode runs the same operator services as compose', () => {
  const hostPortOf = (url: string) => Number(new URL(url).port);
  // Compose service -> native address (Grafana's dashboards are served by native Prometheus).
  const nativeOf = Object.fromEntries(operatorEndpoints());

  it('has a native counterpart, on the same host port, for every compose service but the one-shot agent fetcher', () => {
    // Prepare
    const pairs: Record<string, string | undefined> = {
      'schema-registry': nativeOf['Schema Registry'],
      'kafka-ui': nativeOf['Kafka UI'],
      prometheus: nativeOf.Prometheus,
    };

    // Act
    const operatorServices = Object.keys(compose.services).filter(
      (name) => !/^kafka-\d$/.test(name) && !['postgres', 'jmx-exporter-agent', 'grafana'].includes(name),
    );

    // Assess
    expect(operatorServices.sort()).toEqual(Object.keys(pairs).sort());
    for (const [name, nativeUrl] of Object.entries(pairs)) {
      expect(nativeUrl).toBeDefined();
      expect(publications(service(name)).map((p) => p.hostPort)).toEqual([hostPortOf(nativeUrl ?? '')]);
    }
    expect([registryPort, kafkaUiPort, prometheusPort]).toEqual([8081, 8080, 9090]);
  });

  it("serves Grafana's provisioned dashboards from native Prometheus, from the folder compose mounts", () => {
    // Act
    const mounted = mountTarget(service('grafana'), 'local/monitoring/grafana/dashboards');

    // Assess
    expect(mounted).toBeDefined();
    expect(resolve(paths.dashboards)).toBe(resolve(repoRoot, 'local/monitoring/grafana/dashboards'));
    expect(nativeOf.Dashboards).toBe(`${nativeOf.Prometheus}/consoles/index.html`);
  });

  it('gives both Prometheus the same configuration file, alert rules and retention', () => {
    // Prepare
    const prometheus = service('prometheus');

    // Act
    const alerts = mountTarget(prometheus, 'local/monitoring/alerts');

    // Assess
    expect(alerts).toBe(composeAlertsDir);
    expect(mountTarget(prometheus, 'local/monitoring/prometheus.yml')).toBeDefined();
    expect(resolve(paths.prometheusConfig)).toBe(resolve(repoRoot, 'local/monitoring/prometheus.yml'));
    expect(prometheus.command).toContain(`--storage.tsdb.retention.time=${prometheusRetention}`);
    expect(publications(prometheus)).toEqual([{ hostPort: prometheusPort, containerPort: prometheusPort }]);
  });

  it('starts both registries with FORWARD as the registry-wide compatibility', () => {
    // Act
    const composeLevel = env(service('schema-registry'), 'SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL');

    // Assess
    expect(composeLevel.toUpperCase()).toBe(registryDefaultCompatibility);
  });

  it('points both Kafka UIs at the same three brokers', () => {
    // Act
    const composeBootstrap = env(service('kafka-ui'), 'KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS').split(',');

    // Assess
    expect(composeBootstrap.map((address) => address.split(':')[0])).toEqual(
      kafkaNodes.map((node) => kafkaServiceName(node)),
    );
    expect(bootstrapBrokers).toEqual(kafkaNodes.map((node) => `localhost:${node.port}`));
  });
});
