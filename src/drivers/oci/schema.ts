/**
 * The JSON Schema of a `kind: oci` mirror: images of a registry speaking the distribution API.
 * Composed into the schema of `parameters.ferry` at `#/definitions/oci`
 * (validate/compose-schema.ts); `$ref`s name the shared definitions of schemas/ferry.schema.json.
 */
/** One push destination or several (a mirror's default, or an image's own). */
const TARGETS = {
  "oneOf": [
    { "type": "string", "minLength": 1 },
    { "type": "array", "minItems": 1, "items": { "type": "string", "minLength": 1 } }
  ]
};

const PLATFORMS = {
  "type": "array",
  "items": { "type": "string", "pattern": "^[a-z0-9]+/[a-z0-9]+(/[a-z0-9]+)?$" },
  "description": "os/architecture[/variant]: only these children of a multi-platform index are fetched (the index is kept byte-exact)."
};

export const ociSchema: Readonly<Record<string, unknown>> = {
  "type": "object",
  "required": [
    "registry",
    "images"
  ],
  "additionalProperties": false,
  "properties": {
    "kind": {},
    "enabled": {},
    "refresh": {
      "$ref": "#/definitions/interval"
    },
    "registry": {
      "$ref": "#/definitions/url",
      "description": "Upstream registry (distribution API v2), e.g. https://registry-1.docker.io; credentials come from the auth file, never the model."
    },
    "images": {
      "type": "array",
      "minItems": 1,
      "items": {
        "type": "object",
        "required": [
          "name",
          "tags"
        ],
        "additionalProperties": false,
        "properties": {
          "name": {
            "type": "string",
            "pattern": "^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$"
          },
          "tags": {
            "$ref": "#/definitions/stringList",
            "minItems": 1,
            "type": "array",
            "description": "Each entry: a tag, a sha256:<hex> digest, a /regex/ over the repository's tags, or a semver range such as '>=1.2 <2'."
          },
          "target": { ...TARGETS, "description": "Push destination(s) of this image: [http(s)://]host[:port][/namespace]; pushed as <namespace>/<name>. Without a scheme: https, but http for localhost and 127.0.0.0/8 (docker's default insecure registries)." },
          "platforms": PLATFORMS,
          "local_tags": {
            "type": "object",
            "additionalProperties": {
              "type": "string",
              "minLength": 1
            },
            "propertyNames": {
              "pattern": "^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$"
            },
            "description": "Extra tags served and pushed: local tag -> a mirrored tag or digest (apex: '3.19')."
          }
        }
      }
    },
    "platforms": PLATFORMS,
    "target": { ...TARGETS, "description": "Default push destination(s) of every image: [http(s)://]host[:port][/namespace]." }
  }
};
