import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import * as z from 'zod';
import { nativeKafkaVersion } from './native-kafka';
import { paths } from './paths';
import { kafkaNodes } from './topology';

// Both modes must run the same Kafka and the same exporter agent: native mode takes them from
// local/native/pom.xml, compose mode from image tags and the agent-fetching service.
const compose = z
  .object({
    services: z.record(
      z.string(),
      z.object({
        image: z.string(),
        command: z.array(z.string()).optional(),
        environment: z.record(z.string(), z.string()).optional(),
      }),
    ),
  })
  .parse(parse(readFileSync(paths.composeFile, 'utf8')));

function pomProperty(name: string): string {
  const pom = readFileSync(paths.nativePom, 'utf8');
  const value = new RegExp(`<${name.replace(/\./g, '\\.')}>([^<]+)</`).exec(pom)?.[1];
  if (!value) throw new Error(`${paths.nativePom}: <${name}> is missing`);
  return value;
}

describe('versions shared by native and compose modes', () => {
  it.each(kafkaNodes.map((node) => [`kafka-${node.nodeId}`] as const))(
    '%s runs the official image tagged with the pom kafka.version',
    (name) => {
      // Prepare
      const kafkaVersion = nativeKafkaVersion();

      // Act
      const image = compose.services[name]?.image;

      // Assess
      expect(kafkaVersion).toMatch(/^\d+\.\d+\.\d+$/);
      expect(image).toBe(`apache/kafka:${kafkaVersion}`);
    },
  );

  it('fetches the exporter agent of the pom jmx.exporter.version, and the brokers load that jar', () => {
    // Prepare
    const agentVersion = pomProperty('jmx.exporter.version');

    // Act
    const artifact = compose.services['jmx-exporter-agent']?.command?.find((arg) =>
      arg.startsWith('-Dartifact='),
    );
    const agentJars = kafkaNodes.map(
      (node) =>
        /-javaagent:\S*\/([^/=\s]+\.jar)=/.exec(
          compose.services[`kafka-${node.nodeId}`]?.environment?.KAFKA_OPTS ?? '',
        )?.[1],
    );

    // Assess
    expect(artifact).toBe(`-Dartifact=io.prometheus.jmx:jmx_prometheus_javaagent:${agentVersion}`);
    expect(agentJars).toEqual(kafkaNodes.map(() => `jmx_prometheus_javaagent-${agentVersion}.jar`));
  });

  it('pins every image to a concrete version', () => {
    // Act
    const unpinned = Object.entries(compose.services)
      .map(([name, service]) => [name, service.image] as const)
      .filter(([, image]) => !/^[a-z0-9./-]+:v?\d+(\.\d+)+(-[a-z0-9.-]+)?$/.test(image));

    // Assess
    expect(Object.keys(compose.services).length).toBeGreaterThan(5);
    expect(unpinned).toEqual([]);
  });
});
