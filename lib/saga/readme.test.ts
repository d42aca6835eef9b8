import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PENDING_TRANSFERS_SQL } from './queries';

describe('docs/saga.md, the transfers page', () => {
  it('shows the pending-transfers query the integration tests run', () => {
    // Prepare
    const page = readFileSync(join(__dirname, '..', '..', 'docs', 'saga.md'), 'utf8');

    // Assess
    expect(page).toContain(PENDING_TRANSFERS_SQL);
  });
});
