/**
 * The operator's dead-letter tool: `npm run dlq -- list|show|replay|discard …` (docs/dead-letters.md).
 * DATABASE_URL and KAFKA_BROKERS default to the local stack; every action is recorded.
 */
import { userInfo } from 'node:os';
import { Logger } from '@aws-lambda-powertools/logger';
import { Pool } from 'pg';
import { bootstrapBrokers, localDatabaseUrl } from '../../local/stack/topology';
import { closeHandlerResources, outboxPublisher } from '../projection';
import { parseDlqArgs, USAGE } from './cli-args';
import { DeadLetterCommandError } from './errors';
import { replayEveryLetter } from './replay-all';
import { replayLetter } from './retrier';
import { loadRetrySettings } from './schedule';
import { countLetters, discardLetter, findLetter, historyOf, listLetters } from './store';

const decoded = (base64: string | null) => {
  if (base64 === null) return null;
  const text = Buffer.from(base64, 'base64').toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

async function main(argv: readonly string[]): Promise<number> {
  const command = parseDlqArgs(argv, process.env.DLQ_OPERATOR ?? userInfo().username);
  if (command.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const env = {
    ...process.env,
    DATABASE_URL: process.env.DATABASE_URL ?? localDatabaseUrl,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? bootstrapBrokers.join(','),
  };
  const logger = new Logger({ serviceName: 'dlq-cli', logLevel: 'ERROR' });
  const pool = new Pool({ connectionString: env.DATABASE_URL, max: 2 });
  const now = () => new Date();
  const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  try {
    switch (command.command) {
      case 'list': {
        const at = now();
        // One more than asked: whether the list is truncated.
        const found = await listLetters(pool, command.filter, { now: at, limit: command.limit + 1 });
        const letters = found.slice(0, command.limit);
        for (const letter of letters) {
          process.stdout.write(
            `${letter.id}  ${letter.status.padEnd(9)} ${letter.source.topic}/${letter.source.partition}/${letter.source.offset}  ${letter.failureClass} ${letter.failureCode}  attempts ${letter.attempts}  received ${letter.receivedAt}\n`,
          );
        }
        if (found.length > command.limit) {
          const matching = await countLetters(pool, command.filter, { now: at });
          process.stdout.write(
            `${letters.length} of ${matching} letter(s), oldest first: TRUNCATED at --limit ${command.limit} (raise --limit or narrow the filter to see the rest)\n`,
          );
        } else {
          process.stdout.write(`${letters.length} letter(s)\n`);
        }
        return 0;
      }
      case 'show': {
        const letter = await findLetter(pool, command.id);
        if (!letter) throw new DeadLetterCommandError(`no dead letter ${command.id}`);
        print({
          ...letter,
          decoded: {
            key:
              letter.source.key === null ? null : Buffer.from(letter.source.key, 'base64').toString('utf8'),
            value: decoded(letter.source.value),
            headers: letter.source.headers.map((header) => ({
              key: header.key,
              value: header.value === null ? null : Buffer.from(header.value, 'base64').toString('utf8'),
            })),
          },
          history: await historyOf(pool, command.id),
        });
        return 0;
      }
      case 'replay':
      case 'replay-all': {
        const settings = loadRetrySettings(env);
        if (command.command === 'replay' && !(await findLetter(pool, command.id)))
          throw new DeadLetterCommandError(`no dead letter ${command.id}`);
        const dependencies = { pool, publisher: outboxPublisher(env, logger) };
        const replay = async (id: string) => {
          const { result } = await replayLetter(id, dependencies, {
            now: now(),
            settings,
            random: Math.random,
            logger,
            by: command.by,
          });
          process.stdout.write(`${id}  ${result}\n`);
        };
        if (command.command === 'replay') {
          await replay(command.id);
          return 0;
        }
        const { replayed } = await replayEveryLetter(pool, command.filter, (letter) => replay(letter.id), {
          now: now(),
        });
        process.stdout.write(replayed === 0 ? 'no letter to replay\n' : `${replayed} letter(s) replayed\n`);
        return 0;
      }
      case 'discard': {
        const result = await discardLetter(pool, command.id, {
          reason: command.reason,
          by: command.by,
          now: now(),
        });
        if (!result) throw new DeadLetterCommandError(`no dead letter ${command.id}`);
        process.stdout.write(
          result.discarded
            ? `${command.id}  discarded\n`
            : result.refused
              ? `${command.id}  not discarded: ${result.refused}\n`
              : `${command.id}  not discarded: it is ${result.status}\n`,
        );
        return result.discarded ? 0 : 1;
      }
      default: {
        const never: never = command;
        return never;
      }
    }
  } finally {
    await pool.end();
    await closeHandlerResources();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof DeadLetterCommandError) {
      process.stderr.write(`dlq: ${error.message}\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`dlq: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
