/**
 * The JSON Schema of a `kind: pypi` mirror: a PyPI-style "simple" index (PEP 503 / PEP 691), the
 * projects to take from it (PEP 508 requirements, requirements/constraints files, or the whole
 * project list with allow/deny globs), dependencies, Python versions, platforms and file types.
 * Composed into the schema of `parameters.ferry` at `#/definitions/pypi` (validate/compose-schema.ts).
 */
const stringList = { type: 'array', items: { type: 'string', minLength: 1 } };
const requirementsFile = {
  type: 'object',
  additionalProperties: false,
  properties: {
    url: { $ref: '#/definitions/url', description: 'A requirements (or constraints) file to read at each resolve.' },
    path: {
      type: 'string',
      minLength: 1,
      description: "A file of the model's folder (relative to its root, where nodes/ and classes/ are), read from the same commit as the model: a commit that changes it changes the plan. No `..`, no absolute path, no link out of the repository.",
    },
    text: { type: 'string', description: 'The file itself, written in the model.' },
    sha256: { $ref: '#/definitions/sha256', description: 'When given, the file read from `url` or `path` must have this digest.' },
  },
  oneOf: [{ required: ['url'] }, { required: ['text'] }, { required: ['path'] }],
};

export const pypiSchema: Readonly<Record<string, unknown>> = {
  type: 'object',
  required: ['index_url'],
  additionalProperties: false,
  properties: {
    kind: {},
    enabled: {},
    refresh: { $ref: '#/definitions/interval' },
    index_url: { $ref: '#/definitions/url', description: "The upstream's simple index, e.g. https://pypi.org/simple/ (PEP 691 JSON or PEP 503 HTML)." },
    projects: { ...stringList, description: 'PEP 508 requirements: `requests>=2.28,<3`, `six`, `uvicorn[standard]==0.30.*`. Every version a requirement admits is mirrored.' },
    requirements: { type: 'array', items: requirementsFile, description: "pip requirements files (their `-r` and `-c` lines are read too, relative to the file: its URL, or its folder in the model)." },
    constraints: { type: 'array', items: requirementsFile, description: 'pip constraints files: they narrow the versions of projects named elsewhere and add none.' },
    with_deps: { type: 'boolean', default: false, description: "Follow each mirrored version's Requires-Dist (from PEP 658 .metadata files, else from the wheel), markers evaluated for python_versions and platforms; the newest version each dependency admits is mirrored." },
    python_versions: { type: 'array', items: { type: 'string', pattern: '^[0-9]+\\.[0-9]+$' }, description: 'CPython versions (`3.11`) whose wheels (and Requires-Python) are kept; all when left out.' },
    platforms: { ...stringList, description: 'Platform tags kept: `manylinux_2_28_x86_64` (that libc and older), `musllinux_1_2_aarch64`, globs (`win_*`); pure (`any`) wheels always fit. All when left out.' },
    wheels: { type: 'boolean', default: true },
    sdists: { type: 'boolean', default: true },
    prereleases: { type: 'boolean', default: false, description: 'Mirror pre-releases too; otherwise only those a requirement names (PEP 440 "Handling of pre-releases").' },
    all_projects: { type: 'boolean', default: false, description: "Every project of the upstream's project list (bandersnatch's use), narrowed by allow and deny." },
    allow: { ...stringList, description: 'Globs over normalized project names (PEP 503) kept from the project list.' },
    deny: { ...stringList, description: 'Globs over normalized project names left out (of everything, dependencies included).' },
  },
};
