import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The state directory is read when paths.ts loads: point it at a scratch folder first.
process.env.STACK_STATE_DIR = mkdtempSync(join(tmpdir(), 'billing-stack-test-'));
const processes = require('./processes') as typeof import('./processes');
const { paths } = require('./paths') as typeof import('./paths');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Exited: no such process, or only a zombie waiting to be reaped. */
const gone = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z');
  } catch {
    return true;
  }
};

describe('managed processes of the native stack', () => {
  it('starts a process with its marker, finds it, and stops it cleanly with SIGTERM', async () => {
    // Prepare
    const name = 'marker-test';
    const started = processes.startManagedProcess(
      name,
      'bash',
      ['-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done', processes.processMarker(name)],
      join(paths.logs, `${name}.log`),
    );

    // Act
    const found = processes.findManagedProcess(name);
    const outcome = await processes.stopManagedProcess(name, 10_000);

    // Assess
    expect(found?.pid).toBe(started.pid);
    expect(outcome).toBe('stopped');
    expect(processes.findManagedProcess(name)).toBeUndefined();
  });

  it('finds and stops its process by the marker when the pid file is gone', async () => {
    // Prepare: started with its marker, then its pid file lost (as when another checkout's test
    // restarted the broker, or a stop was interrupted)
    const name = 'lost-pid-file';
    const started = spawn(
      'bash',
      ['-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done', processes.processMarker(name)],
      {
        stdio: 'ignore',
      },
    );
    const pid = started.pid ?? -1;

    try {
      // Act
      const found = processes.findManagedProcess(name);
      const outcome = await processes.stopManagedProcess(name, 10_000);

      // Assess
      expect(found?.pid).toBe(pid);
      expect(outcome).toBe('stopped');
      expect(processes.findManagedProcess(name)).toBeUndefined();
    } finally {
      started.kill('SIGKILL');
    }
  });

  it('never stops a process it did not start, even when a pid file names it', async () => {
    // Prepare: a stranger process whose pid lands in our pid file (say, after a reboot)
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = stranger.pid ?? -1;
    writeFileSync(join(paths.run, 'stranger.pid'), `${pid}\n`);

    try {
      // Act
      const found = processes.findManagedProcess('stranger');
      const outcome = await processes.stopManagedProcess('stranger', 1_000);

      // Assess
      expect(found).toBeUndefined();
      expect(outcome).toBe('not-running');
      expect(alive(pid)).toBe(true);
    } finally {
      stranger.kill('SIGKILL');
    }
  });

  it('kills a process that ignores SIGTERM after the grace period, and says so', async () => {
    // Prepare
    const name = 'stubborn';
    const started = processes.startManagedProcess(
      name,
      'bash',
      ['-c', 'trap "" TERM; while true; do sleep 0.1; done', processes.processMarker(name)],
      join(paths.logs, `${name}.log`),
    );
    await new Promise((done) => setTimeout(done, 300));

    // Act
    const outcome = await processes.stopManagedProcess(name, 1_000);

    // Assess
    expect(outcome).toBe('killed');
    await new Promise((done) => setTimeout(done, 300));
    expect(gone(started.pid)).toBe(true);
  });

  it('stops a process group: the leader and a child that ignores SIGTERM', async () => {
    // Prepare: a server whose child (a session) ignores SIGTERM and would outlive it.
    const name = 'group-leader';
    const childPidFile = join(paths.run, 'group-child.pid');
    const started = processes.startManagedProcess(
      name,
      'bash',
      [
        '-c',
        `bash -c 'trap "" TERM; while true; do sleep 0.1; done' & echo $! > ${childPidFile}; trap "exit 0" TERM; while true; do sleep 0.1; done`,
        processes.processMarker(name),
      ],
      join(paths.logs, `${name}.log`),
    );
    await new Promise((done) => setTimeout(done, 500));
    const child = Number(readFileSync(childPidFile, 'utf8').trim());

    // Act
    const outcome = await processes.stopManagedProcess(name, 5_000, processes.processMarker(name), true);

    // Assess
    await new Promise((done) => setTimeout(done, 300));
    expect(outcome).toBe('stopped');
    expect(gone(started.pid)).toBe(true);
    expect(gone(child)).toBe(true);
  });
});
