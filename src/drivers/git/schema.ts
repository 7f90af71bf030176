/**
 * The JSON Schema of a `kind: git` mirror: Git repositories over HTTP. Composed into the schema of
 * `parameters.ferry` at `#/definitions/git` (validate/compose-schema.ts); `$ref`s name the shared
 * definitions of schemas/ferry.schema.json.
 */
export const gitSchema: Readonly<Record<string, unknown>> = {
  "type": "object",
  "required": [
    "repositories"
  ],
  "additionalProperties": false,
  "properties": {
    "kind": {},
    "enabled": {},
    "refresh": {
      "$ref": "#/definitions/interval"
    },
    "repositories": {
      "type": "array",
      "minItems": 1,
      "items": {
        "type": "object",
        "required": [
          "name",
          "url"
        ],
        "additionalProperties": false,
        "properties": {
          "name": {
            "$ref": "#/definitions/relpath"
          },
          "url": {
            "$ref": "#/definitions/gitUrl"
          },
          "refs": {
            "$ref": "#/definitions/stringList"
          }
        }
      }
    },
    "ssh_key_file": {
      "type": "string",
      "pattern": "^/"
    },
    "ssh_known_hosts_file": {
      "type": "string",
      "pattern": "^/"
    }
  }
};
