// Integration tests wait on real brokers and databases: allow them minutes, not jest's 5 s.
jest.setTimeout(180_000);
