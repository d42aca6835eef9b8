import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePorts } from '../../stack/free-port';
import { repoRoot } from '../../stack/paths';

/**
 * A real `sls offline start --stage local` process with the MSK emulator, in its own process group.
 * OFFLINE_NODE_ARGS in the environment adds Node options to it, for example
 * `OFFLINE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` (a profile per thread, written at exit).
 */
export interface OfflineProcess {
  /** The `sls offline` Node process (its main thread has the same id). */
  readonly pid: number;
  readonly output: () => string;
  readonly metricsUrl: string;
  /** Base URL of serverless-offline's HTTP server (the httpApi routes), e.g. `http://localhost:41234`. */
  readonly httpUrl: string;
  /** SIGTERM to the group, then SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

const waitForExit = (child: ChildProcess, ms: number): Promise<boolean> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

const killGroup = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
};

interface OfflinePorts {
  readonly lambda: number;
  readonly http: number;
  readonly websocket: number;
  readonly metrics: number;
}

/** Thrown when one of the ports was taken between choosing it and binding it. */
class PortTaken extends Error {}

const START_ATTEMPTS = 3;

/**
 * Starts `sls offline` on free loopback ports chosen by the kernel (new ones if a port was taken
 * meanwhile), waits until serverless-offline's lambda endpoint listens and the emulator's consumers
 * started, and fails with its output after `timeoutMs`.
 */
export async function startOffline(options: {
  readonly env: Record<string, string>;
  readonly timeoutMs?: number;
}): Promise<OfflineProcess> {
  for (let attempt = 1; ; attempt += 1) {
    const [lambda = 0, http = 0, websocket = 0, metrics = 0] = await freePorts(4);
    try {
      return await startOn({ lambda, http, websocket, metrics }, options);
    } catch (error) {
      if (!(error instanceof PortTaken) || attempt === START_ATTEMPTS) throw error;
    }
  }
}

async function startOn(
  ports: OfflinePorts,
  options: { readonly env: Record<string, string>; readonly timeoutMs?: number },
): Promise<OfflineProcess> {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.OFFLINE_NODE_ARGS ? process.env.OFFLINE_NODE_ARGS.split(' ') : []),
      join(repoRoot, 'node_modules', '.bin', 'sls'),
      'offline',
      'start',
      '--stage',
      'local',
      '--lambdaPort',
      String(ports.lambda),
      '--httpPort',
      String(ports.http),
      '--websocketPort',
      String(ports.websocket),
    ],
    {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env, MSK_OFFLINE_METRICS_PORT: String(ports.metrics) },
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('sls offline did not start');
  const handle: OfflineProcess = {
    pid,
    output: () => output,
    metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`,
    httpUrl: `http://localhost:${ports.http}`,
    async stop(graceMs = 20_000) {
      killGroup(pid, 'SIGTERM');
      if (!(await waitForExit(child, graceMs))) {
        killGroup(pid, 'SIGKILL');
        await waitForExit(child, 5_000);
      }
      // Workers or children left in the group: gone too.
      killGroup(pid, 'SIGKILL');
    },
  };
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  while (
    !(
      output.includes('msk-offline: metrics on') &&
      output.includes(`listening on http://localhost:${ports.lambda}`)
    )
  ) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await handle.stop(1_000);
      const message = `sls offline did not come up:\n${output.slice(-4_000)}`;
      throw output.includes('EADDRINUSE') ? new PortTaken(message) : new Error(message);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return handle;
}

/** Polls `check` until it returns a value, or fails after `timeoutMs` with `describe()`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  describe: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
