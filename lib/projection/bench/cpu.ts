import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of the benchmark's parts, read from /proc (Linux): this Node process with its worker
 * threads, the PostgreSQL server (every `postgres` process, plus what the postmaster's exited
 * children used), and the Kafka JVMs (`java` processes of the local stack). Whole servers are
 * counted: anything else using them meanwhile is counted too, so run benchmarks on a quiet machine.
 */
export interface CpuSeconds {
  readonly node: number;
  /**
   * Of `node`, this process's main thread alone. In the projection benchmarks it plays the Lambda
   * service (consuming the records, building MSK events); the handlers run in worker threads.
   */
  readonly nodeMainThread: number;
  readonly postgres: number;
  readonly kafka: number;
}

const TICKS_PER_SECOND = 100;

interface ProcStat {
  readonly pid: number;
  readonly comm: string;
  readonly ppid: number;
  /** utime + stime of the process (all its threads). */
  readonly own: number;
  /** cutime + cstime: exited children it waited for. */
  readonly children: number;
}

function procStat(pid: string): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces: it sits between the first '(' and the last ')'.
    const open = text.indexOf('(');
    const close = text.lastIndexOf(')');
    const fields = text.slice(close + 2).split(' ');
    const field = (index: number) => Number(fields[index - 3]);
    return {
      pid: Number(pid),
      comm: text.slice(open + 1, close),
      ppid: field(4),
      own: (field(14) + field(15)) / TICKS_PER_SECOND,
      children: (field(16) + field(17)) / TICKS_PER_SECOND,
    };
  } catch {
    return undefined; // exited meanwhile
  }
}

const isStackKafka = (pid: number): boolean => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('-Dbilling.stack=');
  } catch {
    return false;
  }
};

/** CPU seconds used so far by each part. */
export function cpuSeconds(): CpuSeconds {
  const stats = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(procStat)
    .filter((stat): stat is ProcStat => stat !== undefined);
  const postgres = stats.filter((stat) => stat.comm === 'postgres');
  const postgresPids = new Set(postgres.map((stat) => stat.pid));
  const postmasters = postgres.filter((stat) => !postgresPids.has(stat.ppid));
  const usage = process.cpuUsage();
  return {
    node: (usage.user + usage.system) / 1e6,
    nodeMainThread: processCpuSeconds(process.pid).mainThread,
    postgres:
      postgres.reduce((sum, stat) => sum + stat.own, 0) +
      postmasters.reduce((sum, stat) => sum + stat.children, 0),
    kafka: stats
      .filter((stat) => stat.comm === 'java' && isStackKafka(stat.pid))
      .reduce((sum, stat) => sum + stat.own, 0),
  };
}

/** CPU microseconds per event of each part between two readings. */
export function cpuPerEvent(before: CpuSeconds, after: CpuSeconds, events: number): CpuSeconds {
  const per = (key: keyof CpuSeconds) => ((after[key] - before[key]) * 1e6) / events;
  return {
    node: per('node'),
    nodeMainThread: per('nodeMainThread'),
    postgres: per('postgres'),
    kafka: per('kafka'),
  };
}

/**
 * CPU seconds used so far by one process: its main thread (the thread whose id is the process id)
 * and all its threads together (worker threads, V8's and libuv's own).
 */
export function processCpuSeconds(pid: number): { readonly mainThread: number; readonly all: number } {
  const main = procStat(`${pid}/task/${pid}`);
  const all = procStat(String(pid));
  return { mainThread: main?.own ?? Number.NaN, all: all?.own ?? Number.NaN };
}
