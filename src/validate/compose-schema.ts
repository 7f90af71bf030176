/**
 * The schema of `parameters.ferry` is composed, not written in one file: schemas/ferry.schema.json
 * holds the site and what every mirror has (`kind`, `enabled`, `refresh`) and the shared
 * definitions; each kind brings its mirrors' schema from its folder (Kind.schema), placed at
 * `#/definitions/<kind>` and chosen by `kind`. Pure.
 */

/** What composition needs of a kind (src/drivers/kind.ts). */
export interface KindSchema {
  readonly kind: string;
  readonly schema: Readonly<Record<string, unknown>>;
}

type Json = Record<string, unknown>;

/**
 * The base schema with the kinds added: each kind's fragment at `#/definitions/<kind>`, its name
 * in the `kind` enum (the kinds first, sorted, then any the base still declares), and an if/then
 * that applies it when `kind` is present and equal to it (a mirror with no `kind` gets one error,
 * "kind is required", not one per kind).
 */
export function composeFerrySchema(base: Json, kinds: readonly KindSchema[]): Json {
  const schema = structuredClone(base);
  const definitions = (schema.definitions ?? {}) as Record<string, Json>;
  schema.definitions = definitions;
  const mirror = definitions.mirror;
  const properties = mirror.properties as Record<string, Json>;
  const declared = ((properties.kind?.enum ?? []) as string[]).filter((k) => !kinds.some((kind) => kind.kind === k));
  const sorted = [...kinds].sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
  for (const k of sorted) {
    if (definitions[k.kind] !== undefined) throw new Error(`schema: kind ${k.kind} is also defined in schemas/ferry.schema.json`);
    definitions[k.kind] = structuredClone(k.schema);
  }
  properties.kind = { ...properties.kind, enum: [...sorted.map((k) => k.kind), ...declared] };
  const chosen = (kind: string): Json => ({ if: { required: ['kind'], properties: { kind: { const: kind } } }, then: { $ref: `#/definitions/${kind}` } });
  // The kinds apply where the base applies a kind's fields (under `else` when a disabled mirror needs nothing else).
  const where = (mirror.else ?? mirror) as Json;
  where.allOf = [...sorted.map((k) => chosen(k.kind)), ...declared.map(chosen)];
  return schema;
}
