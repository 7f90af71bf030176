/**
 * The kinds Ferry knows: one line per kind (src/drivers/<kind>/kind.ts). Kinds are light; each
 * loads its driver on first use (a driver may pull in a large library, such as openpgp, that
 * `ferry validate` has no need of). A kind without an entry here is reported by validation as
 * a model error naming the mirror, so a model never silently mirrors less than it says.
 */
import { debKind } from './deb/kind.js';
import { debPublicationKind } from './deb/publication/kind.js';
import { fileKind } from './file/kind.js';
import { gitKind } from './git/kind.js';
import { ociKind } from './oci/kind.js';
import { pypiKind } from './pypi/kind.js';
import { rpmKind } from './rpm/kind.js';
import { composeFerrySchema } from '../validate/compose-schema.js';
import { baseSchema } from '../validate/schema.js';
import type { Kind, KindCgi, KindIndex, KindServing } from './kind.js';
import type { Driver } from './types.js';

// One line per kind.
const KINDS: readonly Kind[] = [debKind, debPublicationKind, fileKind, gitKind, ociKind, pypiKind, rpmKind];

const extraKinds: Kind[] = [];
let sorted: readonly Kind[] | undefined;

/** The registered kinds, sorted by name (the same array until registerKind changes them). */
export function registeredKinds(): readonly Kind[] {
  return (sorted ??= [...KINDS, ...extraKinds].sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0)));
}

/**
 * Registers a kind for this process (tests register a toy kind this way, touching nothing else).
 * Returns a function that removes it again.
 */
export function registerKind(kind: Kind): () => void {
  if (registeredKinds().some((k) => k.kind === kind.kind)) throw new Error(`kind ${kind.kind} is registered already`);
  extraKinds.push(kind);
  sorted = undefined;
  return () => {
    const i = extraKinds.indexOf(kind);
    if (i >= 0) extraKinds.splice(i, 1);
    sorted = undefined;
  };
}

export function kindOf(kind: string): Kind | undefined {
  return registeredKinds().find((k) => k.kind === kind);
}

/** The kind's driver (loaded on first use), or undefined for a kind that is not registered. */
export async function loadDriver(kind: string): Promise<Driver | undefined> {
  return kindOf(kind)?.driver();
}

/** What a resource's kind will trust on first use (Kind.trustOnFirstUse), for planResources. */
export function trustOnFirstUse(kind: string, spec: Record<string, unknown>): string[] {
  return kindOf(kind)?.trustOnFirstUse?.(spec) ?? [];
}

export function supportedKinds(): string[] {
  return registeredKinds().map((k) => k.kind);
}

/** Every kind's serving declarations together (for the nginx configuration). */
export function servingDeclarations(): { prefixes: string[]; headers: string[]; cgi: KindCgi[]; nginx: Array<NonNullable<KindServing['nginx']>>; indexes: KindIndex[] } {
  const prefixes = new Set<string>();
  const headers = new Set<string>();
  const cgi: KindCgi[] = [];
  const nginx: Array<NonNullable<KindServing['nginx']>> = [];
  const indexes: KindIndex[] = [];
  for (const k of registeredKinds()) {
    for (const p of k.serving?.prefixes ?? []) prefixes.add(p);
    for (const h of k.serving?.headers ?? []) headers.add(h);
    cgi.push(...(k.serving?.cgi ?? []));
    if (k.serving?.nginx) nginx.push(k.serving.nginx);
    indexes.push(...(k.serving?.indexes ?? []));
  }
  return { prefixes: [...prefixes].sort(), headers: [...headers].sort(), cgi, nginx, indexes };
}

/** The schema of `parameters.ferry`: schemas/ferry.schema.json with every kind's fragment (validate/compose-schema.ts). */
export function ferrySchema(): Record<string, unknown> {
  return composeFerrySchema(baseSchema(), registeredKinds());
}
