-- Up Migration
-- Who owns an account: the principal that opened it (AccountOpened's ownerPrincipal; docs/api.md:
-- Authorization). Null for an account whose event named no owner: only operators act on it.
ALTER TABLE accounts ADD COLUMN owner_principal text;

-- Down Migration
ALTER TABLE accounts DROP COLUMN owner_principal;
