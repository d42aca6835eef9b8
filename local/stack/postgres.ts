import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { paths } from './paths';
import { runCommand, runCommandOrThrow } from './run-command';
import { localDatabaseUrl, postgresLocal } from './topology';

/**
 * The private PostgreSQL cluster of native mode: Debian's server binaries, data under
 * .stack/postgres, listening on 127.0.0.1:55432 only. Not used when DATABASE_URL is set.
 */
const dataDir = join(paths.postgres, 'data');
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

function prepareDirectory(): void {
  mkdirSync(paths.postgres, { recursive: true });
  if (runningAsRoot()) {
    const { uid, gid } = postgresUser();
    chownSync(paths.postgres, uid, gid);
  }
}

function postgresUser(): { uid: number; gid: number } {
  const passwd = readFileSync('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((entry) => entry.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!uid || !gid) throw new Error('Running as root, but there is no `postgres` user to run PostgreSQL as');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function isPostgresRunning(): Promise<boolean> {
  if (!existsSync(join(dataDir, 'PG_VERSION'))) return false;
  const [command, args] = pgCommand('pg_ctl', ['status', '-D', dataDir]);
  return (await runCommand(command, args, { timeoutMs: 30_000 })).code === 0;
}

/** Initialises (once) and starts the private cluster, then creates the billing database. */
export async function startPostgres(log: (line: string) => void): Promise<'started' | 'running'> {
  prepareDirectory();
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`Initialising PostgreSQL in ${dataDir} ...`);
    const passwordFile = join(paths.postgres, 'initdb.pw');
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
  if (await isPostgresRunning()) return 'running';
  const [command, args] = pgCommand('pg_ctl', [
    'start',
    '-D',
    dataDir,
    '-l',
    postgresLogFile,
    '-w',
    '-t',
    '60',
    '-o',
    `-p ${postgresLocal.port} -c listen_addresses=${postgresLocal.host} -c unix_socket_directories=''`,
  ]);
  await runCommandOrThrow(command, args, { timeoutMs: 90_000 });
  await ensureDatabase();
  return 'started';
}

async function ensureDatabase(): Promise<void> {
  const client = new Client({ connectionString: localDatabaseUrl.replace(/\/[^/]+$/, '/postgres') });
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
export async function stopPostgres(): Promise<boolean> {
  if (!(await isPostgresRunning())) return false;
  const [command, args] = pgCommand('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60']);
  await runCommandOrThrow(command, args, { timeoutMs: 90_000 });
  return true;
}
