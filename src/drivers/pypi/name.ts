/**
 * Project names (PEP 503 "Normalized Names"; PEP 508 "Names"). Pure.
 */

/** `Foo.Bar_baz` -> `foo-bar-baz`: runs of `-`, `_`, `.` become one `-`, lowercased. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** A valid distribution name: ASCII letters and digits at both ends, `-_.` only inside. */
export function isValidName(name: string): boolean {
  return /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i.test(name);
}
