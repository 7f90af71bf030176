/**
 * Issue 12: every mirror an MCP node lists is either a Ferry mirror (translated, maybe held as
 * unverifiable) or listed as "not mirrored: <path>, reason"; nothing is dropped in silence.
 * test/helpers/mcp-accounting.ts walks MCP's vocabulary and looks each entry up. Fixture:
 * test/fixtures/reclass/mcp (MCP's layout), and variants written here.
 */
import { describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { openModelDir } from '../../../src/source/model-dir.js';
import { renderNode } from '../../../src/model/index.js';
import { account, rec, tally, type Params } from '../../helpers/mcp-accounting.js';

const root = fileURLToPath(new URL('../../fixtures/reclass/mcp', import.meta.url));
const files = openModelDir(root);
const params = renderNode(files, 'apt01.mcp-lab.local').parameters;

describe('every MCP mirror is accounted for (issue 12)', () => {
  it('on the MCP-layout fixture: mirrored, held as unverifiable, listed, or disabled; none missing', () => {
    const a = account(params);
    expect(Object.entries(a).filter(([, v]) => v === 'MISSING')).toEqual([]);
    expect(tally(a)).toEqual({ mirrored: 18, held: 3, listed: 3, disabled: 1 });
    expect(a['parameters.debmirror.client.mirrors.mirror_mirantis_com_rsync_only']).toBe('listed');
    expect(a['parameters._param.default_local_mirrror_content.maas_mirror_image_sections.xenial']).toBe('listed');
    expect(a['parameters._param.default_local_mirrror_content.docker_client_registry_image.image.6']).toBe('disabled');
  });

  it('lists an unknown part of the offline mirror content and each enabled MAAS section; a disabled section is skipped', () => {
    const p = structuredClone(params) as Params;
    const content = rec(rec(p._param).default_local_mirrror_content);
    content.pypi_packages = { packages: ['requests'] };
    content.maas_mirror_image_sections = { xenial: { upstream: 'http://m/', enabled: false }, bionic: { upstream: 'http://m/' } };
    const a = account(p);
    expect(Object.entries(a).filter(([, v]) => v === 'MISSING')).toEqual([]);
    expect(a['parameters._param.default_local_mirrror_content.pypi_packages']).toBe('listed');
    expect(a['parameters._param.default_local_mirrror_content.maas_mirror_image_sections.xenial']).toBe('disabled');
    expect(a['parameters._param.default_local_mirrror_content.maas_mirror_image_sections.bionic']).toBe('listed');
  });
});
