/**
 * Project names (PEP 503 "Normalized Names"; PEP 508 "Names"). Pure.
 */

/** `Foo.Bar_baz` -> `foo-bar-baz`: runs of `-`, `_`, `.` become one `-`, lowercased. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}
