/**
 * The MCP vocabulary with the registered kinds' hooks (Kind.mcp): what src/reconcile, the CLI
 * and the tests call. src/desired reads MCP through hooks passed in and names no kind; a kind's
 * MCP module is reached only through its Kind (a lint rule says so).
 */
import type { McpHook } from '../core/mcp.js';
import { mcpMirrorOrigins as originsWith, mcpMirrors as mirrorsWith, mcpOrigin as originWith, translateMcp as translateWith, type McpTranslation } from '../desired/mcp-vocabulary.js';
import { withMcpMirrors as withMirrorsWith, type WithMcp } from '../desired/with-mcp-mirrors.js';
import type { Kind } from './kind.js';
import { registeredKinds } from './registry.js';

let memo: { kinds: readonly Kind[]; hooks: readonly McpHook[] } | undefined;

/** The registered kinds' MCP hooks, in the registry's order (the same array while the kinds are the same). */
export function mcpHooks(kinds: readonly Kind[] = registeredKinds()): readonly McpHook[] {
  if (memo?.kinds !== kinds) memo = { kinds, hooks: kinds.flatMap((k) => (k.mcp ? [k.mcp] : [])) };
  return memo.hooks;
}

/** Every MCP mirror of `parameters`, as the registered kinds translate it (desired/mcp-vocabulary.ts). */
export function translateMcp(parameters: Record<string, unknown>): McpTranslation {
  return translateWith(parameters, mcpHooks());
}

/** `parameters.ferry` with the MCP mirrors of `parameters` (desired/with-mcp-mirrors.ts). */
export function withMcpMirrors(parameters: Record<string, unknown>, kinds: readonly Kind[] = registeredKinds()): WithMcp {
  return withMirrorsWith(parameters, mcpHooks(kinds));
}

export function mcpMirrors(parameters: Record<string, unknown>): Record<string, Record<string, unknown>> {
  return mirrorsWith(parameters, mcpHooks());
}

export function mcpMirrorOrigins(parameters: Record<string, unknown>): ReturnType<typeof originsWith> {
  return originsWith(parameters, mcpHooks());
}

export function mcpOrigin(parameters: Record<string, unknown>): ReturnType<typeof originWith> {
  return originWith(parameters, mcpHooks());
}
