import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PENDING_TRANSFERS_SQL } from './queries';

describe('README transfers section', () => {
  it('shows the pending-transfers query the integration tests run', () => {
    // Prepare
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

    // Assess
    expect(readme).toContain(PENDING_TRANSFERS_SQL);
  });
});
