'use strict';
/**
 * One timed load of `npm run bench:cold-start` (lib/deploy/bench/cold-start.bench.ts), run by a
 * fresh Node process: `node cold-start-child.cjs <handler file> <export>`. It requires the bundled
 * handler as the Lambda runtime does and writes, on stdout, one JSON line as soon as the module is
 * evaluated:
 *
 *   {"phase":"ready","ready":true,"startupMs":..,"evaluationMs":..,"handles":[..]}
 *
 * `startupMs` is the time from the process's time origin to this script (Node's own startup),
 * `evaluationMs` the require() alone, `ready` whether the export is a function, `handles` the
 * kinds of handle the module left open (timers, sockets). Then, after SETTLE_MS, a second line
 * lists every connection attempted since the load began (`{"phase":"settled","connects":[..]}`)
 * and the process exits, whatever the module left running.
 */
const startupMs = performance.now();
const net = require('node:net');

/** How long after the load connection attempts are still watched (a promise started at load). */
const SETTLE_MS = 100;

const connects = [];
const originalConnect = net.Socket.prototype.connect;
/** Records where a socket connects (TCP host:port or a path), then connects as usual. */
net.Socket.prototype.connect = function connect(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (first && typeof first === 'object') {
    connects.push(first.path ?? `${first.host ?? 'localhost'}:${first.port}`);
  } else {
    connects.push(typeof first === 'number' ? `${args[1] ?? 'localhost'}:${first}` : String(first));
  }
  return originalConnect.apply(this, args);
};

const [file, exportName = 'handler'] = process.argv.slice(2);
// stdout and stderr are opened lazily: opened here, they are not counted as the module's.
void process.stdout;
void process.stderr;
const handlesBefore = process.getActiveResourcesInfo();
let loaded;
let failure;
const before = performance.now();
try {
  loaded = require(file);
} catch (error) {
  failure = error instanceof Error ? (error.stack ?? error.message) : String(error);
}
const evaluationMs = performance.now() - before;
const ready = failure === undefined && typeof loaded?.[exportName] === 'function';

const handles = process.getActiveResourcesInfo();
for (const kind of handlesBefore) {
  const index = handles.indexOf(kind);
  if (index >= 0) handles.splice(index, 1);
}
process.stdout.write(
  `${JSON.stringify({ phase: 'ready', ready, startupMs, evaluationMs, handles, failure })}\n`,
);
setTimeout(() => {
  process.stdout.write(`${JSON.stringify({ phase: 'settled', connects })}\n`, () => process.exit(0));
}, SETTLE_MS);
