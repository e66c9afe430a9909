import { describe, expect, it } from 'vitest';
import {
  abilities,
  agentGrantable,
  authorizationHeader,
  claudeCodeCommand,
  claudeDesktopConfig,
  CLIENTS,
  curlInitialize,
  cursorConfig,
  KEY_PLACEHOLDER,
  localDate,
  mcpUrl,
  needsAllowHttp,
  presetFor,
  shellQuote,
  snippet,
  vscodeConfig,
} from '../src/lib/mcpConnect';
import { PERMISSIONS } from '../src/lib/permissions';

const URL_HTTPS = 'https://hub.example.com/mcp';
const KEY = 'nhk_AbC-d_123';

// Runs a POSIX shell word list the way sh would split it (quotes only, which is all the
// snippets use), so the tests check what the shell hands to the program, not the spelling.
function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated quote in ${line}`);
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '\\') {
      // a backslash-newline joins lines; any other backslash quotes the next character
      i++;
      if (line[i] !== '\n') {
        cur += line[i];
        inWord = true;
      }
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

describe('MCP URL', () => {
  it('is the page origin + /mcp without a public base URL', () => {
    expect(mcpUrl('http://127.0.0.1:5121')).toBe('http://127.0.0.1:5121/mcp');
    expect(mcpUrl('https://hub.example.com', null)).toBe('https://hub.example.com/mcp');
  });
  it('uses the announced public base URL, keeping its path, dropping trailing slashes', () => {
    expect(mcpUrl('http://10.0.0.5:5121', 'https://images.example.com/')).toBe('https://images.example.com/mcp');
    expect(mcpUrl('http://10.0.0.5:5121', 'https://example.com/hub//')).toBe('https://example.com/hub/mcp');
  });
  it('ignores a base URL that is not absolute http(s)', () => {
    expect(mcpUrl('http://h:1', 'not a url')).toBe('http://h:1/mcp');
    expect(mcpUrl('http://h:1', 'ftp://x/')).toBe('http://h:1/mcp');
  });
});

describe('key preset', () => {
  it('is read + create + update, limited to what the user may grant', () => {
    expect(presetFor([...PERMISSIONS])).toEqual(['assets.read', 'assets.create', 'assets.update']);
    expect(presetFor(['assets.read', 'users.read'])).toEqual(['assets.read']);
    expect(presetFor(['audit.read'])).toEqual([]);
  });
  it('offers only the permissions MCP tools check', () => {
    expect(agentGrantable([...PERMISSIONS])).toEqual([
      'assets.read', 'assets.create', 'assets.update', 'assets.delete',
      'providers.read', 'providers.create', 'providers.update', 'providers.delete', 'settings.update',
    ]);
    expect(agentGrantable(['users.read', 'assets.delete'])).toEqual(['assets.delete']);
  });
  it('names the key with the local date', () => {
    expect(localDate(new Date(2025, 0, 5, 23, 59))).toBe('2025-01-05');
  });
});

describe('abilities', () => {
  const allowed = (perms: string[]) => abilities(perms).filter((a) => a.allowed).map((a) => a.ability.id);
  it('follow the tools’ permissions', () => {
    expect(allowed(['assets.read', 'assets.create', 'assets.update'])).toEqual(['read', 'upload', 'update']);
    expect(allowed(['assets.delete'])).toEqual(['delete']);
    expect(allowed([])).toEqual([]);
  });
  it('need settings.update besides providers.update to make a profile the default', () => {
    expect(allowed(['providers.update'])).toEqual(['storageUpdate']);
    expect(allowed(['providers.update', 'settings.update'])).toEqual(['storageUpdate', 'storageDefault']);
  });
  it('leave out what the account could not give a key anyway', () => {
    const ids = abilities(['assets.read'], ['assets.read', 'assets.create', 'assets.update', 'assets.delete']).map((a) => a.ability.id);
    expect(ids).toEqual(['read', 'upload', 'update', 'delete']);
    const storage = abilities([], ['providers.update']).map((a) => a.ability.id);
    expect(storage).toEqual(['storageUpdate']);
  });
  it('list delete_asset only under assets.delete', () => {
    const del = abilities(['assets.read']).find((a) => a.ability.tools.includes('delete_asset'))!;
    expect(del.ability.needs).toEqual(['assets.delete']);
    expect(del.allowed).toBe(false);
  });
});

describe('snippets', () => {
  it('Claude Desktop: mcp-remote with the header from env (no space inside an argument)', () => {
    const cfg = JSON.parse(claudeDesktopConfig(URL_HTTPS, KEY));
    expect(cfg).toEqual({
      mcpServers: {
        nekohub: {
          command: 'npx',
          args: ['-y', 'mcp-remote', URL_HTTPS, '--header', 'Authorization:${NEKOHUB_AUTH}'],
          env: { NEKOHUB_AUTH: `Bearer ${KEY}` },
        },
      },
    });
    for (const arg of cfg.mcpServers.nekohub.args) expect(arg).not.toMatch(/\s/);
  });
  it('Claude Desktop: --allow-http for plain http except localhost / 127.0.0.1', () => {
    const args = (url: string) => JSON.parse(claudeDesktopConfig(url, KEY)).mcpServers.nekohub.args as string[];
    expect(args('http://192.168.1.9:5121/mcp')).toContain('--allow-http');
    expect(args('http://localhost:5121/mcp')).not.toContain('--allow-http');
    expect(args('http://127.0.0.1:5121/mcp')).not.toContain('--allow-http');
    expect(args(URL_HTTPS)).not.toContain('--allow-http');
    expect(needsAllowHttp('nonsense')).toBe(false);
  });
  it('Claude Code: one command, http transport, the header as one word', () => {
    const cmd = claudeCodeCommand(URL_HTTPS, KEY);
    expect(shellWords(cmd)).toEqual(['claude', 'mcp', 'add', '--transport', 'http', 'nekohub', URL_HTTPS, '--header', `Authorization: Bearer ${KEY}`]);
  });
  it('Claude Code: a URL with shell characters stays one word', () => {
    const url = "https://h.example.com/a'b&c/mcp";
    expect(shellWords(claudeCodeCommand(url, KEY))[6]).toBe(url);
  });
  it('Cursor: url + headers under mcpServers', () => {
    expect(JSON.parse(cursorConfig(URL_HTTPS, KEY))).toEqual({
      mcpServers: { nekohub: { url: URL_HTTPS, headers: { Authorization: `Bearer ${KEY}` } } },
    });
  });
  it('VS Code: type http under servers', () => {
    expect(JSON.parse(vscodeConfig(URL_HTTPS, KEY))).toEqual({
      servers: { nekohub: { type: 'http', url: URL_HTTPS, headers: { Authorization: `Bearer ${KEY}` } } },
    });
  });
  it('generic: the header and a curl initialize that a shell passes intact', () => {
    expect(authorizationHeader(KEY)).toBe(`Authorization: Bearer ${KEY}`);
    const words = shellWords(curlInitialize(URL_HTTPS, KEY));
    expect(words.slice(0, 4)).toEqual(['curl', '-sS', '-X', 'POST']);
    expect(words[4]).toBe(URL_HTTPS);
    const headers = words.flatMap((w, i) => (words[i - 1] === '-H' ? [w] : []));
    expect(headers).toEqual([`Authorization: Bearer ${KEY}`, 'Content-Type: application/json', 'Accept: application/json, text/event-stream']);
    const body = JSON.parse(words[words.indexOf('-d') + 1]);
    expect(body).toEqual({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'curl', version: '1.0' } },
    });
  });
  it('every client has a snippet with the URL and the key (or the placeholder)', () => {
    for (const c of CLIENTS) {
      for (const key of [KEY, KEY_PLACEHOLDER]) {
        const text = snippet(c, URL_HTTPS, key);
        expect(text, c).toContain(URL_HTTPS);
        expect(text, c).toContain(key);
      }
    }
  });
  it('JSON snippets escape what JSON must', () => {
    const url = 'https://h.example.com/"x"/mcp';
    expect(JSON.parse(cursorConfig(url, KEY)).mcpServers.nekohub.url).toBe(url);
  });
});

describe('shellQuote', () => {
  it('leaves plain words alone and quotes the rest', () => {
    expect(shellQuote('https://h:1/mcp')).toBe('https://h:1/mcp');
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellWords(`x ${shellQuote("it's $HOME")}`)).toEqual(['x', "it's $HOME"]);
  });
});
