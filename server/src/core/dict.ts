/**
 * Records keyed by words from the input (a scenario's units and booleans, a trace's state words,
 * exit reasons and event names). A plain object literal also "has" `constructor`, `toString` and
 * `__proto__`, and assigning `__proto__` sets the prototype instead of a key: `1__proto__` crashed
 * the checker, a Chrome slice named `toString` lost its time, a `__proto__` exit reason vanished.
 */

/** A lookup table without a prototype: only `entries`' own keys are in it. */
export function dict<T>(entries: Record<string, T>): Readonly<Record<string, T>> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}

/** `out[key] = value`, as an own key also when `key` is `__proto__`. */
export function setOwn<T>(out: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
