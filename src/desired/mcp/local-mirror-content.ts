/**
 * MCP's `_param:default_local_mirrror_content` (sic, three r's) lists what DriveTrain's offline
 * mirror node holds besides aptly and debmirror, one part per formula. The kinds translate the
 * parts they read (McpHook.reads: Docker images, Git repositories, files); what is left is read
 * here, so that nothing the model lists goes unmentioned:
 *   maas_mirror_image_sections  MAAS boot images (simplestreams): not mirrored yet, listed by
 *     section, with its upstream.
 *   any other part no kind reads: listed as not mirrored.
 * Each part, and each MAAS section, may carry `enabled: false` (then it is skipped). Pure.
 */
import { disabled, isRecord, itemsOf, LOCAL_MIRROR_CONTENT, text, type McpPart, type NotMirrored } from '../../core/mcp.js';

const OWN = new Set(['maas_mirror_image_sections', 'enabled']);

/** `readByKinds`: the parts the registered kinds translate (McpHook.reads). */
export function localMirrorContent(parameters: Record<string, unknown>, readByKinds: ReadonlySet<string>): McpPart {
  const param = parameters._param;
  const content = isRecord(param) ? param.default_local_mirrror_content : undefined;
  if (!isRecord(content) || content.enabled === false) return { mirrors: [], notMirrored: [] };
  const notMirrored: NotMirrored[] = [];
  const maas = content.maas_mirror_image_sections;
  if (maas !== undefined && !disabled(maas)) {
    for (const [k, section] of itemsOf(maas)) {
      if (disabled(section)) continue;
      const upstream = isRecord(section) && section.upstream !== undefined ? ` from ${text(section.upstream)}` : '';
      notMirrored.push({ path: [...LOCAL_MIRROR_CONTENT, 'maas_mirror_image_sections', k], reason: `MAAS boot images (simplestreams${upstream}): Ferry has no simplestreams kind yet` });
    }
  }
  for (const key of Object.keys(content)) {
    if (!OWN.has(key) && !readByKinds.has(key) && !disabled(content[key])) notMirrored.push({ path: [...LOCAL_MIRROR_CONTENT, key], reason: 'a part of the offline mirror content Ferry does not know' });
  }
  return { mirrors: [], notMirrored };
}
