/**
 * The JSON Schema of a `kind: deb-publication` mirror: deb mirrors of the site composed into one
 * repository served again under `prefix` (an aptly publish prefix). Composed into the schema of
 * `parameters.ferry` at `#/definitions/deb-publication` (validate/compose-schema.ts).
 */
export const debPublicationSchema: Readonly<Record<string, unknown>> = {
  type: 'object',
  required: ['prefix', 'distributions'],
  additionalProperties: false,
  properties: {
    kind: {},
    enabled: {},
    refresh: { $ref: '#/definitions/interval' },
    prefix: {
      type: 'string',
      minLength: 1,
      description: 'Folder of the served tree the repository is served again under (aptly: the publish prefix, `ubuntu` for /ubuntu/dists/xenial).',
    },
    distributions: {
      type: 'object',
      minProperties: 1,
      description: 'Each distribution (dists/<name>/) with the deb mirrors it holds and the component each is published as.',
      propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9._+~-]*$' },
      additionalProperties: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['mirror'],
          additionalProperties: false,
          properties: {
            mirror: { type: 'string', minLength: 1, description: 'A deb mirror of this site (one suite, not flat).' },
            component: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._+-]*$', description: 'The component it is published as (default main).' },
          },
        },
      },
    },
  },
};
