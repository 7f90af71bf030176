/**
 * The JSON Schema of a `kind: deb` mirror: a Debian/Ubuntu archive (Release/InRelease, Packages), whole or partial. Composed into the schema of
 * `parameters.ferry` at `#/definitions/deb` (validate/compose-schema.ts); `$ref`s name the shared
 * definitions of schemas/ferry.schema.json.
 */
export const debSchema: Readonly<Record<string, unknown>> = {
  "type": "object",
  "required": [
    "url"
  ],
  "additionalProperties": false,
  "properties": {
    "kind": {},
    "enabled": {},
    "refresh": {
      "$ref": "#/definitions/interval"
    },
    "url": {
      "$ref": "#/definitions/url"
    },
    "suites": {
      "$ref": "#/definitions/stringList",
      "minItems": 1,
      "type": "array"
    },
    "flat": {
      "type": "boolean"
    },
    "directory": {
      "type": "string"
    },
    "components": {
      "$ref": "#/definitions/stringList"
    },
    "architectures": {
      "$ref": "#/definitions/stringList"
    },
    "keys": {
      "$ref": "#/definitions/stringList"
    },
    "key_urls": {
      "type": "array",
      "items": {
        "$ref": "#/definitions/url"
      }
    },
    "key_ids": {
      "type": "array",
      "items": {
        "$ref": "#/definitions/fingerprint"
      },
      "description": "Upstream signing keys by full fingerprint, taken from site.keyring or fetched from keyservers (recorded in the snapshot)."
    },
    "keyservers": {
      "type": "array",
      "items": {
        "$ref": "#/definitions/keyserver"
      },
      "description": "Keyservers for this mirror's key_ids (default: site.keyservers)."
    },
    "packages": {
      "$ref": "#/definitions/stringList"
    },
    "filter": {
      "type": "string"
    },
    "with_deps": {
      "type": "boolean"
    },
    "with_recommends": {
      "type": "boolean"
    },
    "with_sources": {
      "type": "boolean"
    },
    "with_udebs": {
      "type": "boolean"
    },
    "with_required": {
      "type": "boolean"
    },
    "bases": {
      "type": "array",
      "items": {
        "$ref": "#/definitions/name"
      }
    }
  },
  "anyOf": [
    {
      "required": [
        "suites"
      ]
    },
    {
      "required": [
        "flat"
      ]
    }
  ]
};
