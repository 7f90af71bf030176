/**
 * The JSON Schema of a `kind: file` mirror: plain URLs (qcow2 images, tarballs), checked by sha256, md5 or a checksum file. Composed into the schema of
 * `parameters.ferry` at `#/definitions/file` (validate/compose-schema.ts); `$ref`s name the shared
 * definitions of schemas/ferry.schema.json.
 */
export const fileSchema: Readonly<Record<string, unknown>> = {
  "type": "object",
  "required": [
    "files"
  ],
  "additionalProperties": false,
  "properties": {
    "kind": {},
    "enabled": {},
    "refresh": {
      "$ref": "#/definitions/interval"
    },
    "files": {
      "type": "array",
      "minItems": 1,
      "items": {
        "type": "object",
        "required": [
          "url"
        ],
        "additionalProperties": false,
        "properties": {
          "url": {
            "$ref": "#/definitions/url"
          },
          "sha256": {
            "$ref": "#/definitions/sha256"
          },
          "md5": {
            "type": "string",
            "pattern": "^[0-9a-f]{32}$",
            "description": "An md5 the upstream publishes (checked as given; the sha256 is recorded in the snapshot)."
          },
          "digest_url": {
            "$ref": "#/definitions/url",
            "description": "A checksum file next to the file (md5sum or sha256sum output, or the bare digest): read when the file is first fetched, its digest checked, the sha256 recorded."
          },
          "size": {
            "type": "integer",
            "minimum": 0
          },
          "path": {
            "$ref": "#/definitions/relpath"
          }
        },
        "description": "With sha256 every byte is checked against it; with md5 or digest_url the file is checked against that and its sha256 recorded; with none, the sha256 seen on first download is recorded in the snapshot and used from then on (trust on first use; the plan says so)."
      }
    }
  }
};
