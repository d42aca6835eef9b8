import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { paths } from './paths';
import { runCommand, runCommandOrThrow } from './run-command';
import { postgresLocal } from './topology';

/**
 * The private PostgreSQL cluster of native mode: Debian's server binaries, data under
 * .stack/postgres, listening on 127.0.0.1:55432 only. Not used when DATABASE_URL is set.
 * `postgresCluster` makes other clusters the same way (another folder and port), for tests that
 * must stop a database for real without stopping the shared one.
 */
export interface PostgresClusterOptions {
  /** Folder of the cluster: `data/` and `postgres.log` go under it. */
  readonly dir: string;
  readonly port: number;
}

export interface PostgresCluster {
  readonly dir: string;
  readonly port: number;
  readonly logFile: string;
  /** URL of the billing database of this cluster. */
  readonly url: string;
  isRunning(): Promise<boolean>;
  /** Initialises (once) and starts the cluster, then creates the billing database. */
  start(log: (line: string) => void): Promise<'started' | 'running'>;
  /** Stops the cluster (fast shutdown: open sessions are rolled back). */
  stop(): Promise<boolean>;
}

const stackCluster = { dir: paths.postgres, port: postgresLocal.port };
export const postgresLogFile = join(paths.postgres, 'postgres.log');

function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((entry) => existsSync(join(root, entry, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (!newest) {
    throw new Error(
      'PostgreSQL server binaries not found under /usr/lib/postgresql: install them (apt-get install postgresql) or set DATABASE_URL to an existing database',
    );
  }
  return join(root, newest, 'bin');
}

const runningAsRoot = () => process.getuid?.() === 0;

/** PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user. */
function pgCommand(tool: string, args: readonly string[]): [string, string[]] {
  const binary = join(postgresBinDir(), tool);
  return runningAsRoot() ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, [...args]];
}

function prepareDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true });
  if (runningAsRoot()) {
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
  }
}

function postgresUser(): { uid: number; gid: number } {
  const passwd = readFileSync('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((entry) => entry.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!uid || !gid) throw new Error('Running as root, but there is no `postgres` user to run PostgreSQL as');
  return { uid: Number(uid), gid: Number(gid) };
}

/** A PostgreSQL cluster in `dir` listening on 127.0.0.1:`port`, with the stack's user and database. */
export function postgresCluster(options: PostgresClusterOptions): PostgresCluster {
  const dataDir = join(options.dir, 'data');
  const logFile = join(options.dir, 'postgres.log');
  const url = `postgres://${postgresLocal.user}:${postgresLocal.password}@${postgresLocal.host}:${options.port}/${postgresLocal.database}`;

  const isRunning = async (): Promise<boolean> => {
    if (!existsSync(join(dataDir, 'PG_VERSION'))) return false;
    const [command, args] = pgCommand('pg_ctl', ['status', '-D', dataDir]);
    return (await runCommand(command, args, { timeoutMs: 30_000 })).code === 0;
  };

  return {
    dir: options.dir,
    port: options.port,
    logFile,
    url,
    isRunning,
    async start(log) {
      prepareDirectory(options.dir);
      if (!existsSync(join(dataDir, 'PG_VERSION'))) {
        log(`Initialising PostgreSQL in ${dataDir} ...`);
        const passwordFile = join(options.dir, 'initdb.pw');
        writeFileSync(passwordFile, `${postgresLocal.password}\n`, { mode: 0o600 });
        if (runningAsRoot()) {
          const { uid, gid } = postgresUser();
          chownSync(passwordFile, uid, gid);
        }
        try {
          const [command, args] = pgCommand('initdb', [
            '-D',
            dataDir,
            '-U',
            postgresLocal.user,
            `--pwfile=${passwordFile}`,
            '--auth=scram-sha-256',
            '--encoding=UTF8',
            '--locale=C.UTF-8',
          ]);
          await runCommandOrThrow(command, args, { timeoutMs: 120_000 });
        } finally {
          rmSync(passwordFile, { force: true });
        }
      }
      if (await isRunning()) return 'running';
      const [command, args] = pgCommand('pg_ctl', [
        'start',
        '-D',
        dataDir,
        '-l',
        logFile,
        '-w',
        '-t',
        '60',
        '-o',
        // pg_stat_statements: what the benchmarks read to say where PostgreSQL's time goes.
        `-p ${options.port} -c listen_addresses=${postgresLocal.host} -c unix_socket_directories='' -c shared_preload_libraries=pg_stat_statements`,
      ]);
      try {
        await runCommandOrThrow(command, args, { timeoutMs: 90_000 });
      } catch (error) {
        // pg_ctl only says "Examine the log output": bring the log's last lines into the error.
        const tail = existsSync(logFile)
          ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-15).join('\n')
          : '';
        throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logFile}:\n${tail}`, {
          cause: error,
        });
      }
      await ensureDatabase(url);
      return 'started';
    },
    async stop() {
      if (!(await isRunning())) return false;
      const [command, args] = pgCommand('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60']);
      await runCommandOrThrow(command, args, { timeoutMs: 90_000 });
      return true;
    },
  };
}

const stackPostgres = postgresCluster(stackCluster);

export const isPostgresRunning = (): Promise<boolean> => stackPostgres.isRunning();

/** Initialises (once) and starts the private cluster, then creates the billing database. */
export const startPostgres = (log: (line: string) => void): Promise<'started' | 'running'> =>
  stackPostgres.start(log);

async function ensureDatabase(url: string): Promise<void> {
  const client = new Client({ connectionString: url.replace(/\/[^/]+$/, '/postgres') });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      postgresLocal.database,
    ]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${postgresLocal.database}`);
  } finally {
    await client.end();
  }
}

/** Stops the private cluster (fast shutdown: open sessions are rolled back). */
export const stopPostgres = (): Promise<boolean> => stackPostgres.stop();
