import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { paths, repoRoot } from './paths';
import { runCommand, runCommandOrThrow } from './run-command';

export type StackMode = 'docker' | 'native';

/** True when a Docker engine answers (the client alone is not enough). */
export async function dockerEngineAnswers(): Promise<boolean> {
  const result = await runCommand('docker', ['info', '--format', '{{.ServerVersion}}'], {
    timeoutMs: 10_000,
  });
  return result.code === 0 && result.stdout.trim() !== '';
}

/** The mode to run in: STACK_MODE if set, else compose when a Docker engine answers, else native. */
export async function chooseMode(): Promise<StackMode> {
  const forced = process.env.STACK_MODE;
  if (forced === 'docker' || forced === 'native') return forced;
  if (forced) throw new Error(`STACK_MODE must be "docker" or "native", got "${forced}"`);
  return (await dockerEngineAnswers()) ? 'docker' : 'native';
}

/** The mode recorded by the last `stack:up`, if any. */
export function recordedMode(): StackMode | undefined {
  try {
    const mode = readFileSync(paths.modeFile, 'utf8').trim();
    return mode === 'docker' || mode === 'native' ? mode : undefined;
  } catch {
    return undefined;
  }
}

export function recordMode(mode: StackMode): void {
  mkdirSync(paths.run, { recursive: true });
  writeFileSync(paths.modeFile, `${mode}\n`);
}

const compose = (args: readonly string[], timeoutMs = 600_000) =>
  runCommandOrThrow('docker', ['compose', '-f', paths.composeFile, ...args], { timeoutMs, cwd: repoRoot });

export async function composeUp(): Promise<void> {
  await compose(['up', '--detach', '--wait', '--wait-timeout', '300']);
}

export async function composeDown(): Promise<void> {
  await compose(['down']);
}

export async function composeStatus(): Promise<string> {
  return (await compose(['ps', '--format', 'table {{.Name}}\t{{.Status}}\t{{.Ports}}'], 60_000)).stdout;
}

export async function dockerStop(container: string): Promise<void> {
  await runCommandOrThrow('docker', ['stop', container], { timeoutMs: 120_000 });
}

export async function dockerStart(container: string): Promise<void> {
  await runCommandOrThrow('docker', ['start', container], { timeoutMs: 120_000 });
}
