// accounts.js - helpers for the accounts suites (sign-in, sessions, users, keys, audit): a known
// JWT secret and SuperAdmin, sign-in and user creation that assert success, requests from another
// loopback address (login throttling counts per client address), hand-made JWTs, the whole audit
// log, and raw SQL against a stopped test server's database.
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHmac, createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { databaseKind } from './server.js';

export const JWT_SECRET = 'accounts-test-secret-0123456789-abcdefghijklmnop';
export const ROOT = { username: 'Root', password: 'root-password-1' };
export const MACHINE_KEY = 'machine-key-0123456789';

// The 20 permission keys in catalogue order (how the SuperAdmin's permissions are listed).
export const CATALOGUE = [
  'assets.read', 'assets.create', 'assets.update', 'assets.delete',
  'providers.read', 'providers.create', 'providers.update', 'providers.delete',
  'aiProviders.read', 'aiProviders.create', 'aiProviders.update', 'aiProviders.delete',
  'settings.read', 'settings.update',
  'users.read', 'users.create', 'users.update', 'users.disable', 'users.managePermissions',
  'audit.read',
];
// The same set in ordinal (byte) order: how everybody else's permissions are listed.
export const ORDINAL = [...CATALOGUE].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

export const sleep = (ms) => new Promise((resolveSleep) => { setTimeout(resolveSleep, ms); });

// Environment for a server with a known secret and SuperAdmin (and, with machineKeys, the
// machine API key enabled).
export function accountsEnv(extra = {}, { machineKeys = false } = {}) {
  const env = {
    Auth__Jwt__Secret: JWT_SECRET,
    Auth__BootstrapSuperAdmin__Username: ROOT.username,
    Auth__BootstrapSuperAdmin__Password: ROOT.password,
  };
  if (machineKeys) {
    env.Auth__ApiKey__Enabled = 'true';
    env.Auth__ApiKey__Keys__0 = MACHINE_KEY;
  }
  return { ...env, ...extra };
}

// Sign in; asserts 200 and returns the payload (accessToken, refreshToken, user, ...).
export async function login(server, username, password, headers = {}) {
  const response = await server.request('POST', '/api/v1/auth/login', {
    json: { username, password }, headers,
  });
  assert.equal(response.status, 200, `login ${username}: ${response.text}`);
  return response.body.data;
}

let counter = 0;
// A username nobody used yet on this server.
export function uniqueName(prefix = 'user') {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

// Create a user through the API with `token` (JWT or key); asserts 201, returns the user with
// its password added.
export async function createUser(server, token, { username = uniqueName(), password = 'password-123',
  role = 'user', permissions, isActive } = {}) {
  const json = { username, password, role };
  if (permissions !== undefined) json.permissions = permissions;
  if (isActive !== undefined) json.isActive = isActive;
  const response = await server.request('POST', '/api/v1/users', { json, token });
  assert.equal(response.status, 201, `create ${username}: ${response.text}`);
  return { ...response.body.data, password };
}

// Create a personal API key for the signed-in user; asserts 201, returns the key object.
export async function createKey(server, accessToken, { name = uniqueName('key'), permissions,
  expiresAtUtc } = {}) {
  const json = { name, permissions };
  if (expiresAtUtc !== undefined) json.expiresAtUtc = expiresAtUtc;
  const response = await server.request('POST', '/api/v1/auth/api-keys', { json, token: accessToken });
  assert.equal(response.status, 201, `create key: ${response.text}`);
  return response.body.data;
}

// A request made from another loopback address (e.g. 127.0.0.5), so that it counts as a
// different client. Same result shape as NekoHub.request.
export function requestFrom(server, localAddress, method, path, { json, headers = {}, token } = {}) {
  const allHeaders = { ...headers };
  if (token) allHeaders.Authorization = `Bearer ${token}`;
  let payload;
  if (json !== undefined) {
    payload = Buffer.from(JSON.stringify(json));
    allHeaders['Content-Type'] = 'application/json';
    allHeaders['Content-Length'] = String(payload.length);
  }
  return new Promise((resolveRequest, rejectRequest) => {
    const request = http.request({
      host: '127.0.0.1', port: server.port, method, path, headers: allHeaders, localAddress,
    }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => {
        let body = null;
        try { body = text ? JSON.parse(text) : null; } catch { body = null; }
        resolveRequest({ status: response.statusCode, headers: new Headers(response.headers), body, text });
      });
    });
    request.on('error', rejectRequest);
    if (payload) request.write(payload);
    request.end();
  });
}

export function decodeJwt(token) {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString()),
  };
}

// An HS256 token with the given header and payload, signed with `secret`.
export function signJwt(payload, { secret = JWT_SECRET, header = { alg: 'HS256', typ: 'JWT' } } = {}) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${encode(header)}.${encode(payload)}`;
  const signature = createHmac('sha256', secret).update(body).digest('base64url');
  return `${body}.${signature}`;
}

export function sha256Hex(text) {
  return createHash('sha256').update(text).digest('hex');
}

// Every audit entry matching `query` (an object of query parameters), newest first, reading
// all pages. Asserts each page is a 200.
export async function auditEntries(server, token, query = {}) {
  const items = [];
  for (let page = 1; ; page++) {
    const params = new URLSearchParams({ ...query, page: String(page), pageSize: '200' });
    const response = await server.request('GET', `/api/v1/audit-log?${params}`, { token });
    assert.equal(response.status, 200, response.text);
    items.push(...response.body.data.items);
    if (response.body.data.items.length < 200) return items;
  }
}

// Run SQL against the database of a (stopped) test server; returns psql/sqlite3's stdout, or
// throws with the database's error text.
export function runSql(server, sql) {
  if (databaseKind === 'postgres') {
    const connection = server.databaseEnv.Persistence__Database__ConnectionString;
    const part = (name) => connection.match(new RegExp(`${name}=([^;]+)`))[1];
    return execFileSync('psql', ['-h', part('Host'), '-p', part('Port'), '-U', 'postgres',
      '-d', part('Database'), '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql], { stdio: 'pipe' }).toString();
  }
  return execFileSync('sqlite3', [join(server.dataDir, 'nekohub.db'), sql], { stdio: 'pipe' }).toString();
}

// Assert an error envelope with its code; the message must mention each of `mentions`.
export function expectCode(response, status, code, ...mentions) {
  assert.equal(response.status, status, `status (body: ${response.text})`);
  assert.ok(response.body && response.body.error, `error envelope expected, got: ${response.text}`);
  assert.equal(response.body.error.code, code, `code (message: ${response.body.error.message})`);
  assert.equal(response.body.error.status, status);
  for (const text of mentions) assert.ok(response.body.error.message.includes(text),
    `message "${response.body.error.message}" should mention "${text}"`);
  return response.body.error;
}
