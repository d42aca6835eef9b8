import { DeadLetterStatus } from './constants';
import { DeadLetterCommandError } from './errors';
import type { LetterFilter } from './store';

/** An operator command of `npm run dlq -- …`. */
export type DlqCommand =
  | { readonly command: 'help' }
  | { readonly command: 'list'; readonly filter: LetterFilter; readonly limit: number }
  | { readonly command: 'show'; readonly id: string }
  | { readonly command: 'replay'; readonly id: string; readonly by: string }
  | { readonly command: 'replay-all'; readonly filter: LetterFilter; readonly by: string }
  | { readonly command: 'discard'; readonly id: string; readonly reason: string; readonly by: string };

/** Letters `list` prints unless `--limit` says otherwise (it says when more match). */
export const DEFAULT_LIST_LIMIT = 1_000;
const MAX_LIST_LIMIT = 1_000_000;

export const USAGE = `Usage: npm run dlq -- <command>
  help | --help
  list [--status S] [--topic T] [--code C] [--older-than 1h] [--limit N (default ${DEFAULT_LIST_LIMIT})]
  show <id>
  replay <id> [--by NAME] | replay --all [--status S] [--topic T] [--code C] [--older-than 1h] [--by NAME]
  discard <id> --reason "..." [--by NAME]
Statuses: ${Object.values(DeadLetterStatus).join(', ')}. Ages: 30s, 15m, 1h, 2d.`;

const HELP_FLAGS: readonly string[] = ['--help', '-h'];

/** `--limit`: a whole number of letters, 1 to 1,000,000. */
export function parseLimit(text: string): number {
  const limit = Number(text);
  if (!/^[0-9]+$/.test(text) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new DeadLetterCommandError(
      `--limit must be a whole number from 1 to ${MAX_LIST_LIMIT}; got "${text}"`,
    );
  }
  return limit;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `1h` as milliseconds. */
export function parseAge(text: string): number {
  const match = /^([0-9]+)([smhd])$/.exec(text);
  if (!match)
    throw new DeadLetterCommandError(
      `--older-than must be a number and a unit (s, m, h, d), e.g. 1h; got "${text}"`,
    );
  return Number(match[1]) * (UNITS[match[2] ?? 's'] ?? 1_000);
}

/** Parses the command line (after `--`); throws DeadLetterCommandError naming what is wrong. */
export function parseDlqArgs(argv: readonly string[], defaultActor: string): DlqCommand {
  const [command, ...rest] = argv;
  // Asked for help, anywhere on the line: the usage, and nothing else is checked.
  if (command === 'help' || argv.some((arg) => HELP_FLAGS.includes(arg))) return { command: 'help' };
  const positional: string[] = [];
  const options = new Map<string, string>();
  let all = false;
  for (let index = 0; index < rest.length; index += 1) {
    const arg = rest[index] ?? '';
    if (arg === '--all') {
      all = true;
    } else if (arg.startsWith('--')) {
      const value = rest[index + 1];
      if (value === undefined || value.startsWith('--'))
        throw new DeadLetterCommandError(`${arg} needs a value`);
      options.set(arg.slice(2), value);
      index += 1;
    } else {
      positional.push(arg);
    }
  }
  const allowed = (names: readonly string[]) => {
    for (const name of options.keys()) {
      if (!names.includes(name)) throw new DeadLetterCommandError(`${command} does not take --${name}`);
    }
  };
  const filter = (): LetterFilter => {
    const status = options.get('status');
    if (status !== undefined && !(Object.values(DeadLetterStatus) as string[]).includes(status)) {
      throw new DeadLetterCommandError(
        `--status must be one of ${Object.values(DeadLetterStatus).join(', ')}; got "${status}"`,
      );
    }
    const olderThan = options.get('older-than');
    return {
      ...(status === undefined ? {} : { status: status as DeadLetterStatus }),
      ...(options.has('topic') ? { topic: options.get('topic') } : {}),
      ...(options.has('code') ? { code: options.get('code') } : {}),
      ...(olderThan === undefined ? {} : { olderThanMs: parseAge(olderThan) }),
    };
  };
  const id = () => {
    const [value, ...extra] = positional;
    if (value === undefined) throw new DeadLetterCommandError(`${command} needs a letter id`);
    if (extra.length > 0) throw new DeadLetterCommandError(`unexpected argument "${extra[0]}"`);
    if (!UUID.test(value)) throw new DeadLetterCommandError(`a letter id is a UUID; got "${value}"`);
    return value.toLowerCase();
  };
  const by = () => options.get('by') ?? defaultActor;
  const filterNames = ['status', 'topic', 'code', 'older-than'];
  switch (command) {
    case 'list': {
      allowed([...filterNames, 'limit']);
      if (positional.length > 0) throw new DeadLetterCommandError(`unexpected argument "${positional[0]}"`);
      const limit = options.get('limit');
      return {
        command: 'list',
        filter: filter(),
        limit: limit === undefined ? DEFAULT_LIST_LIMIT : parseLimit(limit),
      };
    }
    case 'show':
      allowed([]);
      return { command: 'show', id: id() };
    case 'replay':
      if (all) {
        allowed([...filterNames, 'by']);
        if (positional.length > 0) throw new DeadLetterCommandError('replay takes either an id or --all');
        return { command: 'replay-all', filter: filter(), by: by() };
      }
      allowed(['by']);
      return { command: 'replay', id: id(), by: by() };
    case 'discard': {
      allowed(['reason', 'by']);
      const reason = options.get('reason')?.trim();
      if (!reason) throw new DeadLetterCommandError('discard needs --reason "..."');
      return { command: 'discard', id: id(), reason, by: by() };
    }
    default:
      throw new DeadLetterCommandError(command === undefined ? 'no command' : `unknown command "${command}"`);
  }
}
