// "Connect an agent": the hub's MCP address, the permission preset of an agent key, what an
// agent can do with a set of permissions, and the copy-ready configuration of each MCP client.
// Pure functions (no DOM, no i18n): the page renders them, the unit tests check them.

import { MCP_PERMISSIONS, sortPermissions, type Permission } from './permissions';

/** Shown in the snippets until a key has been created. */
export const KEY_PLACEHOLDER = 'nhk_…';

/** The server name the snippets register the hub under. */
export const SERVER_NAME = 'nekohub';

/** The protocol version the curl example asks for (the server's latest, spec §5). */
export const PROTOCOL_VERSION = '2025-11-25';

/** Ticked when the page opens: read, upload, edit and run skills; nothing destructive. */
export const PRESET: readonly Permission[] = ['assets.read', 'assets.create', 'assets.update'];

/** Permissions an agent key would carry that let the agent destroy or reconfigure something. */
export const RISKY: readonly Permission[] = ['assets.delete', 'providers.create', 'providers.update', 'providers.delete', 'settings.update'];

/** Of the MCP-relevant permissions, the ones this user may give a key (catalogue order). */
export function agentGrantable(grantable: readonly string[]): Permission[] {
  const mine = new Set(grantable);
  return MCP_PERMISSIONS.filter((p) => mine.has(p));
}

/** The preset limited to what the user may grant. */
export function presetFor(grantable: readonly string[]): Permission[] {
  const mine = new Set(grantable);
  return sortPermissions(PRESET.filter((p) => mine.has(p)));
}

/**
 * The hub's MCP endpoint: `<base>/mcp`, where base is the server's public base URL when it
 * announces one (absolute http(s), path kept, trailing slashes dropped), else the page's origin.
 */
export function mcpUrl(origin: string, publicBaseUrl?: string | null): string {
  let base = origin;
  if (publicBaseUrl) {
    try {
      const u = new URL(publicBaseUrl);
      if (u.protocol === 'http:' || u.protocol === 'https:') base = `${u.origin}${u.pathname}`;
    } catch {
      // not a URL: keep the page's origin
    }
  }
  return `${base.replace(/\/+$/, '')}/mcp`;
}

/** YYYY-MM-DD of the local day, for the default key name. */
export function localDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// ---- what the agent can do ----------------------------------------------------------------

export type AbilityId =
  | 'read'
  | 'upload'
  | 'update'
  | 'delete'
  | 'storageRead'
  | 'storageCreate'
  | 'storageUpdate'
  | 'storageDefault'
  | 'storageDelete';

export interface Ability {
  id: AbilityId;
  /** Every one of these is needed. */
  needs: readonly Permission[];
  /** The MCP tools (and resources) this ability covers. */
  tools: readonly string[];
}

/** The tools' permissions as the server checks them (BRIEF-MCP: permissions per tool). */
export const ABILITIES: readonly Ability[] = [
  { id: 'read', needs: ['assets.read'], tools: ['list_assets', 'get_asset', 'get_asset_content_url', 'get_asset_usage_stats', 'list_skills', 'asset://', 'skill://'] },
  { id: 'upload', needs: ['assets.create'], tools: ['upload_asset'] },
  { id: 'update', needs: ['assets.update'], tools: ['patch_asset', 'run_asset_skill'] },
  { id: 'delete', needs: ['assets.delete'], tools: ['delete_asset', 'batch_delete_assets'] },
  { id: 'storageRead', needs: ['providers.read'], tools: ['list_storage_profiles'] },
  { id: 'storageCreate', needs: ['providers.create'], tools: ['create_storage_profile'] },
  { id: 'storageUpdate', needs: ['providers.update'], tools: ['update_storage_profile'] },
  { id: 'storageDefault', needs: ['providers.update', 'settings.update'], tools: ['update_storage_profile (setAsDefault)'] },
  { id: 'storageDelete', needs: ['providers.delete'], tools: ['delete_storage_profile'] },
];

/**
 * Each ability with whether the chosen permissions allow it; with `offered`, only the abilities
 * such a key could have at all (an account without storage permissions hears nothing of them).
 */
export function abilities(chosen: readonly string[], offered?: readonly string[]): { ability: Ability; allowed: boolean }[] {
  const set = new Set(chosen);
  const possible = offered ? new Set(offered) : null;
  return ABILITIES.filter((ability) => !possible || ability.needs.every((p) => possible.has(p))).map((ability) => ({
    ability,
    allowed: ability.needs.every((p) => set.has(p)),
  }));
}

// ---- snippets ---------------------------------------------------------------------------------

export const CLIENTS = ['claude-desktop', 'claude-code', 'cursor', 'vscode', 'generic'] as const;
export type ClientId = (typeof CLIENTS)[number];

/** A value in POSIX single quotes (a quote inside becomes '\''). */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const json = (v: unknown) => JSON.stringify(v, null, 2);

/** mcp-remote refuses plain http except to localhost / 127.0.0.1 unless told --allow-http. */
export function needsAllowHttp(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' && u.hostname !== 'localhost' && u.hostname !== '127.0.0.1';
  } catch {
    return false;
  }
}

/**
 * claude_desktop_config.json: Claude Desktop starts local (stdio) servers, so mcp-remote bridges
 * to the hub. The header argument has no space in it and the "Bearer <key>" value comes from
 * env: Claude Desktop on Windows (and Cursor) pass args to npx without quoting, which splits an
 * argument at its spaces (mcp-remote README, "Custom Headers").
 */
export function claudeDesktopConfig(url: string, key: string): string {
  const args = ['-y', 'mcp-remote', url, '--header', 'Authorization:${NEKOHUB_AUTH}'];
  if (needsAllowHttp(url)) args.push('--allow-http');
  return json({ mcpServers: { [SERVER_NAME]: { command: 'npx', args, env: { NEKOHUB_AUTH: `Bearer ${key}` } } } });
}

/** One shell command for Claude Code (Streamable HTTP transport, header with the key). */
export function claudeCodeCommand(url: string, key: string): string {
  return `claude mcp add --transport http ${SERVER_NAME} ${shellQuote(url)} --header ${shellQuote(`Authorization: Bearer ${key}`)}`;
}

/** ~/.cursor/mcp.json (or .cursor/mcp.json in a project): a remote server with headers. */
export function cursorConfig(url: string, key: string): string {
  return json({ mcpServers: { [SERVER_NAME]: { url, headers: { Authorization: `Bearer ${key}` } } } });
}

/** .vscode/mcp.json: VS Code's "servers" map with an http server. */
export function vscodeConfig(url: string, key: string): string {
  return json({ servers: { [SERVER_NAME]: { type: 'http', url, headers: { Authorization: `Bearer ${key}` } } } });
}

/** The header every request carries. */
export function authorizationHeader(key: string): string {
  return `Authorization: Bearer ${key}`;
}

/** A curl `initialize` over Streamable HTTP: proves the URL and the key before any client. */
export function curlInitialize(url: string, key: string): string {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'curl', version: '1.0' } },
  });
  return [
    `curl -sS -X POST ${shellQuote(url)} \\`,
    `  -H ${shellQuote(authorizationHeader(key))} \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -H 'Accept: application/json, text/event-stream' \\`,
    `  -d ${shellQuote(body)}`,
  ].join('\n');
}

/** The main snippet of a client tab. */
export function snippet(client: ClientId, url: string, key: string): string {
  switch (client) {
    case 'claude-desktop':
      return claudeDesktopConfig(url, key);
    case 'claude-code':
      return claudeCodeCommand(url, key);
    case 'cursor':
      return cursorConfig(url, key);
    case 'vscode':
      return vscodeConfig(url, key);
    case 'generic':
      return curlInitialize(url, key);
  }
}
