/** The shape of the local cluster, the same in both modes: three combined broker+controller nodes. */
export interface KafkaNode {
  readonly nodeId: number;
  /** Client port on localhost (9092-9094 in both modes). */
  readonly port: number;
  /** The secured listener's port on localhost: SASL_SSL with SCRAM-SHA-512 (9192-9194). */
  readonly securePort: number;
  /** KRaft controller port on localhost (native mode; in compose it stays inside the network). */
  readonly controllerPort: number;
  /** Prometheus JMX exporter port on localhost (both modes). */
  readonly metricsPort: number;
  /** Container name in compose; also the name of the native node's log and pid files. */
  readonly name: string;
}

export const kafkaNodes: readonly KafkaNode[] = [1, 2, 3].map((nodeId) => ({
  nodeId,
  port: 9091 + nodeId,
  securePort: 9191 + nodeId,
  controllerPort: 29091 + nodeId,
  metricsPort: 7070 + nodeId,
  name: `billing-kafka-${nodeId}`,
}));

export const bootstrapBrokers: readonly string[] = kafkaNodes.map((node) => `localhost:${node.port}`);

/** The private PostgreSQL of native mode, and the published port of the compose one. */
export const postgresLocal = {
  host: '127.0.0.1',
  port: 55432,
  user: 'billing',
  password: 'billing',
  database: 'billing',
} as const;

export const localDatabaseUrl = `postgres://${postgresLocal.user}:${postgresLocal.password}@${postgresLocal.host}:${postgresLocal.port}/${postgresLocal.database}`;

/** The other services of compose mode (native mode's counterparts: local/stack/operator-services.ts). */
export const composeServices = {
  schemaRegistry: 'http://localhost:8081',
  kafkaUi: 'http://localhost:8080',
  prometheus: 'http://localhost:9090',
  grafana: 'http://localhost:3000',
} as const;

export function kafkaNodeById(nodeId: number): KafkaNode {
  const node = kafkaNodes.find((candidate) => candidate.nodeId === nodeId);
  if (!node) {
    throw new Error(
      `Unknown Kafka node ${nodeId}: the local cluster has nodes ${kafkaNodes.map((n) => n.nodeId).join(', ')}`,
    );
  }
  return node;
}
