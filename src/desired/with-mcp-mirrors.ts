/**
 * `parameters.ferry` as the validator and the desired state see it: Ferry's own mirrors plus
 * those an MCP model declares in its own vocabulary (src/desired/mcp-vocabulary.ts). Ferry's
 * own entry wins when both name the same mirror. `origin` maps a path below `parameters.ferry`
 * back to where the value was written, so errors point at the MCP YAML line.
 */
import { mcpMirrors, mcpOrigin } from './mcp-vocabulary.js';

type Path = ReadonlyArray<string | number>;

export function withMcpMirrors(parameters: Record<string, unknown>): { ferry: unknown; origin: (p: Path) => Path | undefined } {
  const own = parameters.ferry as Record<string, unknown> | undefined;
  const translated = mcpMirrors(parameters);
  const names = Object.keys(translated);
  if (names.length === 0) return { ferry: own, origin: () => undefined };
  const ownMirrors = (own?.mirrors as Record<string, unknown> | undefined) ?? {};
  const mirrors = { ...translated, ...ownMirrors };
  const clusterName = (parameters._param as Record<string, unknown> | undefined)?.cluster_name;
  const site = own?.site ?? { name: typeof clusterName === 'string' ? clusterName : 'site' };
  const fieldOrigin = mcpOrigin(parameters);
  return {
    ferry: { ...(own ?? {}), site, mirrors },
    origin: (p: Path) => {
      if (p[0] !== 'mirrors' || typeof p[1] !== 'string' || p[1] in ownMirrors) return undefined;
      return fieldOrigin(p.slice(1));
    },
  };
}
