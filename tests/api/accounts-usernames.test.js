// accounts-usernames.test.js - usernames are identifiers (RFC 8265 UsernameCaseMapped): control,
// format, space and invisible characters and confusable script mixes are refused on create,
// rename and in the CLI; fullwidth forms and Unicode case fold to one name; rows stored under
// the earlier rule (ASCII-only folding) keep signing in, and `nekohub user list` flags names
// today's rule would refuse.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, runCommand } from './lib/server.js';
import {
  accountsEnv, login, createUser, expectCode, runSql, ROOT,
} from './lib/accounts.js';

let server;
let root;
const tag = String(process.pid);

before(async () => {
  server = await startServer({ env: accountsEnv() });
  root = await login(server, ROOT.username, ROOT.password);
});

after(async () => {
  await server.stop();
  server.cleanup();
});

const create = (username) => server.request('POST', '/api/v1/users', {
  token: root.accessToken, json: { username, password: 'password-123', role: 'user' },
});
const signIn = (username, password) => server.request('POST', '/api/v1/auth/login', {
  json: { username, password },
});

test('names with control, format, space or invisible characters are refused', async () => {
  const refused = [
    [`tab\tname-${tag}`, 'U+0009'],
    [`abc\u202Edef-${tag}`, 'U+202E'], // right-to-left override
    [`\u202Dadmin-${tag}`, 'U+202D'],
    [`zero\u200Bwidth-${tag}`, 'U+200B'],
    [`join\u200Ded-${tag}`, 'U+200D'],
    [`two words-${tag}`, 'U+0020'],
    [`wide\u3000space-${tag}`, 'U+3000'],
    [`filler\u3164-${tag}`, 'U+3164'],
  ];
  for (const [name, codePoint] of refused) {
    expectCode(await create(name), 400, 'user_username_invalid', codePoint);
  }
});

test('a dot above that does not show is refused: admİn would be stored as admi\u0307n', async () => {
  // U+0130 lower-cases to i + U+0307 COMBINING DOT ABOVE, which reads as "admin".
  expectCode(await create(`adm\u0130n-${tag}`), 400, 'user_username_invalid', 'U+0307');
  expectCode(await create(`admi\u0307n-${tag}`), 400, 'user_username_invalid', 'U+0307');
  const accented = await create(`i\u0301\u0307-ok-${tag}`); // the dot sits on another accent: it shows
  assert.equal(accented.status, 201, accented.text);
});

test('names that mix confusable scripts are refused; one script alone is fine', async () => {
  // admіn with a Cyrillic і (U+0456).
  expectCode(await create('adm\u0456n'), 400, 'user_username_invalid', 'Latin', 'Cyrillic');
  expectCode(await create(`\u03B1lpha-${tag}`), 400, 'user_username_invalid', 'Greek', 'Latin');
  expectCode(await create(`\uFF41\u0431-${tag}`), 400, 'user_username_invalid', 'Cyrillic');

  for (const name of [`山田太郎${tag}`, `иван${tag}`, `김민수${tag}`, `tanaka山田${tag}`]) {
    const created = await createUser(server, root.accessToken, { username: name, password: 'password-123' });
    assert.equal(created.username, name.normalize('NFC').toLowerCase());
    const session = await login(server, name, 'password-123');
    assert.equal(session.user.id, created.id);
  }
});

test('fullwidth forms and Unicode case fold to one name', async () => {
  const fullwidth = `ＢＯＢ${tag}`;
  const bob = await createUser(server, root.accessToken, { username: fullwidth, password: 'password-123' });
  assert.equal(bob.username, `bob${tag}`);
  expectCode(await create(`BOB${tag}`), 409, 'user_username_conflict');
  assert.equal((await login(server, `Bob${tag}`, 'password-123')).user.id, bob.id);
  assert.equal((await login(server, fullwidth, 'password-123')).user.id, bob.id);
  // The bootstrap SuperAdmin "Root", typed in fullwidth letters.
  assert.equal((await login(server, 'Ｒｏｏｔ', ROOT.password)).user.username, ROOT.username);

  // Full case folding: Straße, STRASSE and strasse are one name; ß is kept for display.
  const strasse = await createUser(server, root.accessToken, { username: `Straße${tag}`, password: 'password-123' });
  assert.equal(strasse.username, `straße${tag}`);
  expectCode(await create(`STRASSE${tag}`), 409, 'user_username_conflict');
  expectCode(await create(`strasse${tag}`), 409, 'user_username_conflict');
  assert.equal((await login(server, `STRASSE${tag}`, 'password-123')).user.id, strasse.id);

  // Non-ASCII letters fold in every case, not only ASCII ones.
  const elena = await createUser(server, root.accessToken, { username: `ΕΛΕΝΗ${tag}`, password: 'password-123' });
  assert.equal(elena.username, `ελενη${tag}`);
  expectCode(await create(`Ελενη${tag}`), 409, 'user_username_conflict');
  assert.equal((await login(server, `ΕλΕνΗ${tag}`, 'password-123')).user.id, elena.id);
});

test('renaming follows the same rule', async () => {
  const user = await createUser(server, root.accessToken, { username: `rename-me-${tag}`, password: 'password-123' });
  const patch = (username) => server.request('PATCH', `/api/v1/users/${user.id}`, {
    token: root.accessToken, json: { username },
  });
  expectCode(await patch(`bad\u202Ename-${tag}`), 400, 'user_username_invalid', 'U+202E');
  expectCode(await patch('p\u0430ypal'), 400, 'user_username_invalid', 'Cyrillic');
  const renamed = await patch(`ＲＥＮＡＭＥＤ-${tag}`);
  assert.equal(renamed.status, 200, renamed.text);
  assert.equal(renamed.body.data.username, `renamed-${tag}`);
  assert.equal((await login(server, `Renamed-${tag}`, 'password-123')).user.id, user.id);
});

// The ASP.NET Identity v3 hash of "correct horse battery staple" (see accounts-bootstrap).
const LEGACY_HASH = 'AQAAAAIAAYagAAAAEAABAgMEBQYHCAkKCwwNDg+HNphercic/uMU10oVOJcFooxzoeSLoVHx/CnyVEI1LA==';
const LEGACY_PASSWORD = 'correct horse battery staple';

function insertLegacyRow(id, username, key) {
  const now = Date.now();
  runSql(server, 'INSERT INTO users (id, username, normalized_username, password_hash, role, '
    + `is_active, created_at, updated_at) VALUES ('${id}', '${username}', '${key}', '${LEGACY_HASH}', `
    + `'User', 1, ${now}, ${now})`);
}

test('rows stored under the earlier rule keep signing in, and the CLI flags refused names', async () => {
  // The earlier rule stored any trimmed text and folded only ASCII letters into the key.
  insertLegacyRow('0192f0a1-2b3c-7d4e-8f90-a1b2c3d4e501', `adm\u0456n-${tag}`, `ADM\u0456N-${tag}`);
  insertLegacyRow('0192f0a1-2b3c-7d4e-8f90-a1b2c3d4e502', `josé-${tag}`, `JOSé-${tag}`);
  insertLegacyRow('0192f0a1-2b3c-7d4e-8f90-a1b2c3d4e503', `tab\tuser-${tag}`, `TAB\tUSER-${tag}`);

  const mixed = await signIn(`adm\u0456n-${tag}`, LEGACY_PASSWORD);
  assert.equal(mixed.status, 200, mixed.text);
  assert.equal(mixed.body.data.user.username, `adm\u0456n-${tag}`);
  assert.equal((await signIn(`ADM\u0456N-${tag}`, LEGACY_PASSWORD)).status, 200);
  assert.equal((await signIn(`tab\tuser-${tag}`, LEGACY_PASSWORD)).status, 200);
  const jose = await signIn(`josé-${tag}`, LEGACY_PASSWORD);
  assert.equal(jose.status, 200, jose.text);
  assert.equal(jose.body.data.user.id, '0192f0a1-2b3c-7d4e-8f90-a1b2c3d4e502');
  expectCode(await signIn(`josé-${tag}`, 'wrong-password'), 401, 'auth_invalid_credentials');

  // A new name that the old row's sign-in would find is taken.
  expectCode(await create(`JOSÉ-${tag}`), 409, 'user_username_conflict');
  expectCode(await create(`josé-${tag}`), 409, 'user_username_conflict');

  // Changing role or status keeps the row's key; a rename gives it today's.
  const disable = await server.request('POST', '/api/v1/users/0192f0a1-2b3c-7d4e-8f90-a1b2c3d4e501/status', {
    token: root.accessToken, json: { isActive: true },
  });
  assert.equal(disable.status, 200, disable.text);
  assert.equal((await signIn(`adm\u0456n-${tag}`, LEGACY_PASSWORD)).status, 200);
  // A console saving the whole form sends the old name back unchanged: still editable.
  const saved = await server.request('PATCH', '/api/v1/users/0192f0a1-2b3c-7d4e-8f90-a1b2c3d4e501', {
    token: root.accessToken, json: { username: ` adm\u0456n-${tag} `, role: 'user' },
  });
  assert.equal(saved.status, 200, saved.text);
  assert.equal(saved.body.data.username, `adm\u0456n-${tag}`);
  // A different refused name is still refused.
  const other = await server.request('PATCH', '/api/v1/users/0192f0a1-2b3c-7d4e-8f90-a1b2c3d4e501', {
    token: root.accessToken, json: { username: `adm\u0456n-${tag}-2` },
  });
  expectCode(other, 400, 'user_username_invalid', 'Cyrillic');
  assert.equal((await signIn(`adm\u0456n-${tag}`, LEGACY_PASSWORD)).status, 200);

  const env = { ...server.databaseEnv, ...accountsEnv() };
  const listed = await runCommand(['user', 'list', '--data-dir', server.dataDir], { env });
  assert.equal(listed.code, 0, listed.stderr);
  const line = (name) => listed.stdout.split('\n').find((row) => row.includes(name)) || '';
  assert.match(line(`adm\u0456n-${tag}`), /refused by today's username rule: .*Latin, Cyrillic/);
  assert.match(line(`user-${tag}`), /refused by today's username rule: .*U\+0009/);
  assert.doesNotMatch(line(`josé-${tag}`), /refused/);
  assert.doesNotMatch(line(ROOT.username), /refused/);
  assert.match(listed.stderr, /2 username\(s\) would be refused/);
});

test('user list shows control and format characters of stored names escaped, not raw', async () => {
  // A row from before the rule: an escape sequence and a right-to-left override in the name
  // would otherwise drive the operator's terminal and reorder the table.
  insertLegacyRow('0192f0a1-2b3c-7d4e-8f90-a1b2c3d4e504', `esc\u001b[2Jname\u202Exyz-${tag}`,
    `ESC\u001b[2JNAME\u202EXYZ-${tag}`);
  const env = { ...server.databaseEnv, ...accountsEnv() };
  const listed = await runCommand(['user', 'list', '--data-dir', server.dataDir], { env });
  assert.equal(listed.code, 0, listed.stderr);
  assert.doesNotMatch(listed.stdout, /[\u001b\u202E]/);
  const line = listed.stdout.split('\n').find((row) => row.includes(`xyz-${tag}`)) || '';
  assert.match(line, /esc<U\+001B>\[2Jname<U\+202E>xyz-/);
  assert.match(line, /refused by today's username rule/);
});

test('the break-glass CLI applies the rule', async () => {
  const env = { ...server.databaseEnv, ...accountsEnv() };
  const args = ['--data-dir', server.dataDir];
  const mixed = await runCommand(['user', 'create', '--username', `p\u0430ypal-${tag}`, '--role', 'user', ...args],
    { env, input: 'password-123\n' });
  assert.notEqual(mixed.code, 0);
  assert.match(mixed.stderr, /user_username_invalid/);
  const override = await runCommand(['user', 'create', '--username', `x\u202Ey-${tag}`, '--role', 'user', ...args],
    { env, input: 'password-123\n' });
  assert.notEqual(override.code, 0);
  assert.match(override.stderr, /user_username_invalid/);

  const made = await runCommand(['user', 'create', '--username', `ＣＡＲＯＬ-${tag}`, '--role', 'user', ...args],
    { env, input: 'password-123\n' });
  assert.equal(made.code, 0, made.stderr);
  assert.equal((await login(server, `carol-${tag}`, 'password-123')).user.username, `carol-${tag}`);
  const reset = await runCommand(['user', 'reset-password', '--username', `CAROL-${tag}`, ...args],
    { env, input: 'password-456\n' });
  assert.equal(reset.code, 0, reset.stderr);
  assert.equal((await login(server, `Ｃarol-${tag}`, 'password-456')).user.username, `carol-${tag}`);
});
