/** Field names that could carry a credential: secret keys, session tokens, passwords, key ids. */
const SECRET_FIELD = /secret|token|password|credential|accesskey/i;

/**
 * A copy of a proxy answer without any field named like a credential, however deep. The proxy's
 * grant ops never answer with one; this keeps a tool's output free of them should that change.
 */
export function withoutSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutSecrets) as T;
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([name]) => !SECRET_FIELD.test(name))
      .map(([name, field]) => [name, withoutSecrets(field)]),
  ) as T;
}
