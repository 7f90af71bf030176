/**
 * The deb kind's part of an MCP model (Kind.mcp): salt-formula-aptly's mirrors
 * (aptly-mirrors.ts, their short key IDs resolved through parameters.ferry.mcp.key_fingerprints,
 * key-fingerprints.ts) and salt-formula-debmirror's (debmirror-mirrors.ts), as deb mirrors.
 * aptly's publications are the deb-publication kind's (../publication/mcp.ts). Pure.
 */
import type { McpHook, McpPart } from '../../../core/mcp.js';
import { aptlyMirrors } from './aptly-mirrors.js';
import { debmirrorMirrors } from './debmirror-mirrors.js';
import { keyFingerprints } from './key-fingerprints.js';

export const debMcp: McpHook = {
  translate(parameters): McpPart {
    const fingerprints = keyFingerprints(parameters);
    const aptly = aptlyMirrors(parameters, fingerprints.list);
    const debmirror = debmirrorMirrors(parameters);
    return {
      mirrors: [...aptly.mirrors, ...debmirror.mirrors],
      notMirrored: [...aptly.notMirrored, ...debmirror.notMirrored],
      errors: [...fingerprints.errors, ...(aptly.errors ?? []), ...(debmirror.errors ?? [])],
    };
  },
};
