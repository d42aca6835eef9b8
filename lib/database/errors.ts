/** Base class of every error thrown by the database module. */
export class DatabaseError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DatabaseError';
  }
}

/** The environment has an invalid pool setting; names the variable. */
export class PoolSettingsError extends DatabaseError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PoolSettingsError';
  }
}

/** A migration could not be applied; the message names it. Earlier ones of the run stay applied. */
export class MigrationError extends DatabaseError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationError';
  }
}
