/** The environment the database pool reads (validated at each invocation). */
export const DatabaseEnvVariable = {
  /**
   * Connections per database pool: partitions of one invocation are projected in parallel. Named
   * for the projectors, its first users; every handler's pool reads it.
   */
  poolSize: 'PROJECTION_DB_POOL_SIZE',
} as const;
export type DatabaseEnvVariable = (typeof DatabaseEnvVariable)[keyof typeof DatabaseEnvVariable];

export const DEFAULT_POOL_SIZE = 4;
