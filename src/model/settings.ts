/**
 * reclass 1.7.0's settings, with the defaults it really uses (reclass/defaults.py), which differ
 * from its documentation: ignore_overwritten_missing_references and strict_constant_parameters
 * are on, the five allow_* merges are off.
 */
export interface ReclassSettings {
  nodesUri: string;
  classesUri: string;
  composeNodeName: boolean;
  ignoreClassNotfound: boolean;
  ignoreClassNotfoundRegexp: string[];
  ignoreOverwrittenMissingReferences: boolean;
  strictConstantParameters: boolean;
  allowScalarOverDict: boolean;
  allowScalarOverList: boolean;
  allowListOverScalar: boolean;
  allowDictOverScalar: boolean;
  allowNoneOverride: boolean;
  automaticParameters: boolean;
  scalarParameters: string | false;
  defaultEnvironment: string;
  classMappingsMatchPath: boolean;
  classMappings: string[];
  delimiter: string;
  overridePrefix: string;
  constantPrefix: string;
  escape: string;
  refOpen: string;
  refClose: string;
  invOpen: string;
  invClose: string;
  inventoryIgnoreFailedNode: boolean;
  inventoryIgnoreFailedRender: boolean;
}

const DEFAULT_SETTINGS: Readonly<ReclassSettings> = {
  nodesUri: 'nodes',
  classesUri: 'classes',
  composeNodeName: false,
  ignoreClassNotfound: false,
  ignoreClassNotfoundRegexp: ['.*'],
  ignoreOverwrittenMissingReferences: true,
  strictConstantParameters: true,
  allowScalarOverDict: false,
  allowScalarOverList: false,
  allowListOverScalar: false,
  allowDictOverScalar: false,
  allowNoneOverride: false,
  automaticParameters: true,
  scalarParameters: false,
  defaultEnvironment: 'base',
  classMappingsMatchPath: false,
  classMappings: [],
  delimiter: ':',
  overridePrefix: '~',
  constantPrefix: '=',
  escape: '\\',
  refOpen: '${',
  refClose: '}',
  invOpen: '$[',
  invClose: ']',
  inventoryIgnoreFailedNode: false,
  inventoryIgnoreFailedRender: false,
};

const KEYS: Record<string, keyof ReclassSettings> = {
  nodes_uri: 'nodesUri',
  classes_uri: 'classesUri',
  compose_node_name: 'composeNodeName',
  ignore_class_notfound: 'ignoreClassNotfound',
  ignore_class_notfound_regexp: 'ignoreClassNotfoundRegexp',
  ignore_overwritten_missing_references: 'ignoreOverwrittenMissingReferences',
  strict_constant_parameters: 'strictConstantParameters',
  allow_scalar_over_dict: 'allowScalarOverDict',
  allow_scalar_over_list: 'allowScalarOverList',
  allow_list_over_scalar: 'allowListOverScalar',
  allow_dict_over_scalar: 'allowDictOverScalar',
  allow_none_override: 'allowNoneOverride',
  automatic_parameters: 'automaticParameters',
  scalar_parameters: 'scalarParameters',
  default_environment: 'defaultEnvironment',
  class_mappings_match_path: 'classMappingsMatchPath',
  class_mappings: 'classMappings',
  delimiter: 'delimiter',
  dict_key_override_prefix: 'overridePrefix',
  dict_key_constant_prefix: 'constantPrefix',
  escape_character: 'escape',
  inventory_ignore_failed_node: 'inventoryIgnoreFailedNode',
  inventory_ignore_failed_render: 'inventoryIgnoreFailedRender',
};

/** Builds settings from a parsed reclass-config.yml plus overrides (same snake_case keys). */
export function makeSettings(...sources: Array<Record<string, unknown> | undefined>): ReclassSettings {
  const s: ReclassSettings = { ...DEFAULT_SETTINGS, ignoreClassNotfoundRegexp: [...DEFAULT_SETTINGS.ignoreClassNotfoundRegexp] };
  const target = s as unknown as Record<string, unknown>;
  for (const src of sources) {
    if (!src) continue;
    for (const [k, v] of Object.entries(src)) {
      if (k === 'reference_sentinels' && Array.isArray(v)) [s.refOpen, s.refClose] = v.map(String);
      else if (k === 'export_sentinels' && Array.isArray(v)) [s.invOpen, s.invClose] = v.map(String);
      else if (KEYS[k]) target[KEYS[k]] = v;
      else if (k in s) target[k] = v;
    }
  }
  if (typeof s.ignoreClassNotfoundRegexp === 'string') s.ignoreClassNotfoundRegexp = [s.ignoreClassNotfoundRegexp];
  if (!Array.isArray(s.classMappings)) s.classMappings = [];
  s.nodesUri = trimUri(String(s.nodesUri));
  s.classesUri = trimUri(String(s.classesUri));
  return s;
}

function trimUri(u: string): string {
  return u.replace(/^\.\//, '').replace(/\/+$/, '');
}
