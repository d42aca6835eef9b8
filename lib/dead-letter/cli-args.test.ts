import { parseAge, parseDlqArgs } from './cli-args';

const ID = '3f2b8c1e-9d4a-5b6c-8e7f-0a1b2c3d4e5f';

describe('parseDlqArgs', () => {
  it('parses each command with its filters and actor', () => {
    expect(
      parseDlqArgs(['list', '--status', 'parked', '--older-than', '2h', '--code', 'NOT_JSON'], 'me'),
    ).toEqual({
      command: 'list',
      filter: { status: 'parked', code: 'NOT_JSON', olderThanMs: 7_200_000 },
      limit: 1_000,
    });
    expect(parseDlqArgs(['list', '--limit', '5000'], 'me')).toEqual({
      command: 'list',
      filter: {},
      limit: 5_000,
    });
    expect(parseDlqArgs(['show', ID], 'me')).toEqual({ command: 'show', id: ID });
    expect(parseDlqArgs(['replay', ID], 'me')).toEqual({ command: 'replay', id: ID, by: 'me' });
    expect(
      parseDlqArgs(['replay', '--all', '--topic', 'billing.transaction.events', '--by', 'ops'], 'me'),
    ).toEqual({
      command: 'replay-all',
      filter: { topic: 'billing.transaction.events' },
      by: 'ops',
    });
    expect(parseDlqArgs(['discard', ID, '--reason', 'test data'], 'me')).toEqual({
      command: 'discard',
      id: ID,
      reason: 'test data',
      by: 'me',
    });
  });

  it('reads a request for help anywhere on the line, before checking the rest', () => {
    for (const argv of [['help'], ['--help'], ['-h'], ['list', '--help'], ['show', 'abc', '-h']]) {
      expect(parseDlqArgs(argv, 'me')).toEqual({ command: 'help' });
    }
  });

  it('refuses bad input with a clear message', () => {
    expect(() => parseDlqArgs([], 'me')).toThrow('no command');
    expect(() => parseDlqArgs(['purge'], 'me')).toThrow('unknown command "purge"');
    expect(() => parseDlqArgs(['list', '--status', 'lost'], 'me')).toThrow(
      /--status must be one of received/,
    );
    expect(() => parseDlqArgs(['list', '--older-than', 'yesterday'], 'me')).toThrow(/--older-than must be/);
    expect(() => parseDlqArgs(['show', 'abc'], 'me')).toThrow('a letter id is a UUID; got "abc"');
    expect(() => parseDlqArgs(['show'], 'me')).toThrow('show needs a letter id');
    expect(() => parseDlqArgs(['discard', ID], 'me')).toThrow('discard needs --reason');
    expect(() => parseDlqArgs(['discard', ID, '--reason'], 'me')).toThrow('--reason needs a value');
    expect(() => parseDlqArgs(['show', ID, '--status', 'parked'], 'me')).toThrow(
      'show does not take --status',
    );
    expect(() => parseDlqArgs(['replay', ID, '--all'], 'me')).toThrow('either an id or --all');
    for (const limit of ['0', '-3', 'all', '1.5']) {
      expect(() => parseDlqArgs(['list', '--limit', limit], 'me')).toThrow(
        `--limit must be a whole number from 1 to 1000000; got "${limit}"`,
      );
    }
    expect(() => parseDlqArgs(['replay', '--all', '--limit', '5'], 'me')).toThrow(
      'replay does not take --limit',
    );
  });
});

describe('parseAge', () => {
  it('reads seconds, minutes, hours and days', () => {
    expect(['30s', '15m', '1h', '2d'].map(parseAge)).toEqual([30_000, 900_000, 3_600_000, 172_800_000]);
  });
});
