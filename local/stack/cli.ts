import { ensureLocalCredentials } from '../../lib/api/local-credentials';
import { setUpBillingTopics } from '../topics/create-topics';
import { paths } from './paths';
import { migrate, printEndpoints, stackDown, stackStatus, stackUp } from './stack';

const quiet = process.argv.includes('--quiet');
const say = (line: string) => console.log(line);
// --quiet (used by `npm test`) keeps the output to warnings and the closing line.
const log = (line: string) => {
  if (!quiet || line.trimStart().startsWith('!')) say(line);
};

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'up': {
      const started = Date.now();
      const mode = await stackUp(log);
      const topicsOk = await setUpBillingTopics(log);
      if (ensureLocalCredentials(paths.apiCredentials)) log(`  Wrote the billing API's local credentials`);
      printEndpoints(mode, log);
      say(`Local stack up (${mode} mode) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return topicsOk ? 0 : 1;
    }
    case 'down':
      await stackDown(log);
      return 0;
    case 'status':
      return (await stackStatus(log)) ? 0 : 3;
    case 'migrate':
      await migrate(log);
      return 0;
    default:
      console.error('usage: tsx local/stack/cli.ts up|down|status|migrate');
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
