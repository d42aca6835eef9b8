import { join } from 'node:path';
import { localKafka } from './kafka-admin';
import { repoRoot } from './paths';
import { runCommand } from './run-command';
import { type KafkaNode, kafkaNodes } from './topology';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * The nodes that answer on their own client port and appear in the cluster's broker list, or []
 * when none does. Asking each node separately matters after a crash: the controller may still
 * list a dead node's previous registration until its session times out.
 */
export async function registeredBrokers(): Promise<number[]> {
  const answers = await Promise.all(kafkaNodes.map((node) => brokersSeenBy(node)));
  return kafkaNodes
    .filter((node, index) => answers[index]?.includes(node.nodeId))
    .map((node) => node.nodeId)
    .sort((a, b) => a - b);
}

async function brokersSeenBy(node: KafkaNode): Promise<number[]> {
  const admin = localKafka('billing-local-health', [`localhost:${node.port}`]).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.map((broker) => broker.nodeId);
  } catch {
    return [];
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export interface QuorumStatus {
  readonly leaderId: number;
  readonly voters: number[];
  readonly raw: string;
}

/** Describes the KRaft controller quorum with kafka-metadata-quorum.sh (both modes). */
export async function describeQuorum(): Promise<QuorumStatus | undefined> {
  const result = await runCommand(
    join(repoRoot, 'local', 'kafka.sh'),
    [
      'kafka-metadata-quorum.sh',
      '--bootstrap-server',
      'localhost:9092,localhost:9093,localhost:9094',
      'describe',
      '--status',
    ],
    { timeoutMs: 60_000 },
  );
  if (result.code !== 0) return undefined;
  const leaderId = Number(/LeaderId:\s*(-?\d+)/.exec(result.stdout)?.[1] ?? Number.NaN);
  const votersText = /CurrentVoters:\s*(.*)/.exec(result.stdout)?.[1] ?? '';
  const voters = [...votersText.matchAll(/"id":\s*(\d+)/g), ...votersText.matchAll(/^\[?(\d+)[,\]]/g)]
    .map((match) => Number(match[1]))
    .filter((id, index, all) => all.indexOf(id) === index)
    .sort((a, b) => a - b);
  if (!Number.isInteger(leaderId) || leaderId < 0) return undefined;
  return { leaderId, voters, raw: result.stdout };
}

/**
 * Waits until every node of the local cluster is registered as a broker and the controller
 * quorum has a leader; throws, naming what is missing, after `timeoutMs`.
 */
export async function waitForCluster(
  timeoutMs = 180_000,
  log: (line: string) => void = () => undefined,
): Promise<{ brokers: number[]; quorum: QuorumStatus }> {
  const expected = kafkaNodes.map((node) => node.nodeId);
  const deadline = Date.now() + timeoutMs;
  let brokers: number[] = [];
  let lastReport = 0;
  while (Date.now() < deadline) {
    brokers = await registeredBrokers();
    if (expected.every((id) => brokers.includes(id))) break;
    if (Date.now() - lastReport > 10_000) {
      log(`  waiting for brokers: registered [${brokers.join(', ')}] of [${expected.join(', ')}]`);
      lastReport = Date.now();
    }
    await sleep(1_000);
  }
  if (!expected.every((id) => brokers.includes(id))) {
    throw new Error(
      `Kafka cluster not ready after ${timeoutMs / 1000}s: registered brokers [${brokers.join(', ')}], expected [${expected.join(', ')}]`,
    );
  }
  while (Date.now() < deadline) {
    const quorum = await describeQuorum();
    if (quorum) return { brokers, quorum };
    await sleep(2_000);
  }
  throw new Error(`Kafka controller quorum has no leader after ${timeoutMs / 1000}s`);
}
