/**
 * The JSON Schema of a `kind: rpm` mirror: an RPM repository (repodata/repomd.xml), whole or
 * partial. Composed into the schema of `parameters.ferry` at `#/definitions/rpm`
 * (validate/compose-schema.ts); `$ref`s name the shared definitions of schemas/ferry.schema.json.
 */
export const rpmSchema: Readonly<Record<string, unknown>> = {
  type: 'object',
  required: ['url'],
  additionalProperties: false,
  properties: {
    kind: {},
    enabled: {},
    refresh: { $ref: '#/definitions/interval' },
    url: { $ref: '#/definitions/url', description: 'The repository root: the folder holding repodata/repomd.xml.' },
    keys: { $ref: '#/definitions/stringList', description: 'Armored OpenPGP public keys; repodata/repomd.xml.asc must verify with one of them. Without keys repomd.xml is taken unverified (only its checksums are checked).' },
    architectures: { $ref: '#/definitions/stringList', description: 'Architectures of a partial mirror, preferred first (default x86_64); noarch is always included.' },
    packages: { $ref: '#/definitions/stringList', description: 'A partial mirror: these packages (names, globs, `name >= version`, or anything provided) and their closure. Leave out for a full mirror.' },
    with_deps: { type: 'boolean', description: 'Follow Requires (default true).' },
    weak_deps: { type: 'boolean', description: 'Also follow Recommends, and take packages that Supplement what was taken (default false).' },
    bases: { type: 'array', items: { $ref: '#/definitions/name' }, description: 'rpm mirrors of this site whose packages count as available (not mirrored again).' },
  },
};
