import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from './paths';
import {
  findManagedProcess,
  processMarker,
  type StopOutcome,
  startManagedProcess,
  stopManagedProcess,
} from './processes';
import { runCommandOrThrow } from './run-command';
import { bootstrapBrokers } from './topology';

/**
 * Native mode's Kafka UI on :8080: kaskade's admin mode (topics, partitions, consumer groups and
 * their lag) in the browser through textual-serve, both from PyPI into a virtualenv under .stack.
 */
export const kafkaUiName = 'billing-kafka-ui';
export const kafkaUiPort = 8080;
export const kafkaUiUrl = `http://localhost:${kafkaUiPort}`;
export const kafkaUiLogFile = join(paths.logs, 'kafka-ui.log');
const venv = join(paths.kafkaUi, 'venv');
const installedStamp = join(venv, 'billing-requirements.txt');

/** Creates the virtualenv and installs the pinned requirements, unless they are installed already. */
export async function ensureKafkaUi(log: (line: string) => void): Promise<string> {
  const requirements = readFileSync(paths.kafkaUiRequirements, 'utf8');
  const python = join(venv, 'bin', 'python');
  if (existsSync(installedStamp) && readFileSync(installedStamp, 'utf8') === requirements) return python;
  log(`Installing the Kafka UI (${paths.kafkaUiRequirements}) into ${venv} ...`);
  await runCommandOrThrow('python3', ['-m', 'venv', venv], { timeoutMs: 120_000 });
  await runCommandOrThrow(
    python,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', paths.kafkaUiRequirements],
    { timeoutMs: 10 * 60_000 },
  );
  writeFileSync(installedStamp, requirements);
  return python;
}

/** Starts the UI unless it runs. */
export async function startKafkaUi(log: (line: string) => void): Promise<'started' | 'running'> {
  if (findManagedProcess(kafkaUiName)) return 'running';
  const python = await ensureKafkaUi(log);
  startManagedProcess(
    kafkaUiName,
    python,
    [
      paths.kafkaUiLauncher,
      processMarker(kafkaUiName),
      join(venv, 'bin', 'kaskade'),
      bootstrapBrokers.join(','),
      String(kafkaUiPort),
    ],
    kafkaUiLogFile,
  );
  return 'started';
}

// The whole process group: the sessions' kaskade processes outlive textual-serve otherwise.
export const stopKafkaUi = (): Promise<StopOutcome> =>
  stopManagedProcess(kafkaUiName, 5_000, processMarker(kafkaUiName), true);

export const kafkaUiPid = (): number | undefined => findManagedProcess(kafkaUiName)?.pid;

/** True once the UI's page answers. */
export async function kafkaUiReady(): Promise<boolean> {
  try {
    return (await fetch(kafkaUiUrl)).ok;
  } catch {
    return false;
  }
}
