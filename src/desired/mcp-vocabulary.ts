/**
 * MCP's own words for mirrors, read as Ferry mirrors (work in progress: filled in below).
 */
export type McpPath = Array<string | number>;

export function mcpMirrors(_parameters: Record<string, unknown>): Record<string, Record<string, unknown>> {
  return {};
}

export function mcpMirrorOrigins(_parameters: Record<string, unknown>): Record<string, McpPath> {
  return {};
}
