import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from './paths';

/**
 * Background processes that the native stack starts. Each has a pid file under .stack/run and a
 * marker in its command line, so that `stack:down` stops what it started, and only that.
 */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
}

const pidFile = (name: string) => join(paths.run, `${name}.pid`);

/** The marker written into a managed process's command line. */
export const processMarker = (name: string) => `-Dbilling.stack=${paths.run}/${name}`;

function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

/**
 * The process recorded under `name`, if it is alive and still the one we started. `marker` is the
 * text its command line must hold: a JVM's `-Dbilling.stack=` property, or a path under the
 * stack's state for a program that takes no free argument (Prometheus).
 */
export function findManagedProcess(name: string, marker = processMarker(name)): ManagedProcess | undefined {
  let pid: number | undefined;
  try {
    pid = Number.parseInt(readFileSync(pidFile(name), 'utf8').trim(), 10);
  } catch {
    pid = undefined;
  }
  if (pid !== undefined && Number.isInteger(pid) && pid > 0 && holdsMarker(pid, marker) && !isZombie(pid))
    return { name, pid };
  // No pid file, or a stale one (a process restarted by other means, a pid file removed while its
  // process lived on): the process is found by its marker, which names this checkout's state.
  const found = scanForMarker(marker);
  return found === undefined ? undefined : { name, pid: found };
}

/** Whether a process's command line holds `marker` as a whole argument, or as a path's start. */
function holdsMarker(pid: number, marker: string): boolean {
  const commandLine = commandLineOf(pid);
  return (
    commandLine !== undefined &&
    (`${commandLine} `.includes(`${marker} `) || commandLine.includes(`${marker}/`))
  );
}

/** The live process (not this one) whose command line holds `marker`, if any. */
function scanForMarker(marker: string): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined; // no /proc: pid files only
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    if (holdsMarker(pid, marker) && !isZombie(pid)) return pid;
  }
  return undefined;
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Starts `command` detached, its output appended to `logFile`; records its pid under `name`. */
export function startManagedProcess(
  name: string,
  command: string,
  args: readonly string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
): ManagedProcess {
  mkdirSync(paths.run, { recursive: true });
  mkdirSync(paths.logs, { recursive: true });
  const log = openSync(logFile, 'a');
  try {
    const child = spawn(command, [...args], { detached: true, stdio: ['ignore', log, log], env });
    if (child.pid === undefined) throw new Error(`Could not start ${name} (${command})`);
    child.unref();
    writeFileSync(pidFile(name), `${child.pid}\n`);
    return { name, pid: child.pid };
  } finally {
    closeSync(log);
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export type StopOutcome = 'stopped' | 'killed' | 'not-running';

/**
 * Stops the process recorded under `name` with SIGTERM (a clean shutdown), then SIGKILL if it
 * has not exited after `graceMs`. With `processGroup`, the signals go to its whole process group
 * (it leads one: started detached), and whatever is left of the group once it is gone is killed:
 * for a server that runs children of its own (the Kafka UI's sessions).
 */
export async function stopManagedProcess(
  name: string,
  graceMs = 60_000,
  marker = processMarker(name),
  processGroup = false,
): Promise<StopOutcome> {
  const running = findManagedProcess(name, marker);
  rmSync(pidFile(name), { force: true });
  if (!running) return 'not-running';
  const target = processGroup ? -running.pid : running.pid;
  const signal = (kind: NodeJS.Signals) => {
    try {
      process.kill(target, kind);
    } catch {
      // Already gone.
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  let outcome: StopOutcome = 'killed';
  while (Date.now() < deadline) {
    if (!commandLineOf(running.pid) || isZombie(running.pid)) {
      outcome = 'stopped';
      break;
    }
    await sleep(200);
  }
  if (outcome === 'killed' || processGroup) signal('SIGKILL');
  return outcome;
}
