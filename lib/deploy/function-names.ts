/** A function key in kebab case: its Powertools service name (accountProjector: account-projector). */
export const serviceNameOf = (key: string): string =>
  key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
