// assets-hardening.test.js - what outside testing found (issue 9): the bytes decide the type
// even when the browser declared another allowed one from the file name; a GIF's logical
// screen counts against the pixel limit and an animation's frames against the animation
// budget, before anything is decoded; who uploaded an asset is recorded and filterable.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from './lib/server.js';
import { accountsEnv, MACHINE_KEY, ROOT, login, createUser, createKey } from './lib/accounts.js';
import { testImages, png, convert } from './lib/images.js';
import { upload, uploadOk, fetchBytes, pathOf, expectError } from './lib/assets.js';

let server;
let images;
const key = MACHINE_KEY;

function tempFiles() {
  const dir = join(server.dataDir, 'tmp');
  return existsSync(dir) ? readdirSync(dir) : [];
}

async function total() {
  const response = await server.request('GET', '/api/v1/assets?pageSize=1', { token: key });
  assert.equal(response.status, 200, response.text);
  return response.body.data.total;
}

// The classic 43-byte 1x1 GIF89a (global palette of two colours, a graphic control extension,
// one 1x1 frame), with its logical screen set to width x height.
function tinyGif(width = 1, height = 1) {
  const bytes = Buffer.from([
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, // header, screen
    0xff, 0xff, 0xff, 0x00, 0x00, 0x00, // global colour table
    0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, // graphic control extension
    0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, // image descriptor 1x1
    0x02, 0x02, 0x44, 0x01, 0x00, // LZW data
    0x3b, // trailer
  ]);
  bytes.writeUInt16LE(width, 6);
  bytes.writeUInt16LE(height, 8);
  return bytes;
}

// An animated GIF: a width x height screen and `frames` full-screen frames (each a graphic
// control extension with a delay and one frame of palette index 0, LZW-coded as clear, then
// runs of index 0 written as literal codes with a clear code whenever the table would grow).
function animatedGif(width, height, frames) {
  const parts = [Buffer.from('GIF89a', 'ascii')];
  const screen = Buffer.alloc(7);
  screen.writeUInt16LE(width, 0);
  screen.writeUInt16LE(height, 2);
  screen[4] = 0x80; // global colour table of 2 entries
  parts.push(screen, Buffer.from([0xff, 0xff, 0xff, 0x00, 0x00, 0x00]));
  parts.push(Buffer.from([0x21, 0xff, 0x0b]), Buffer.from('NETSCAPE2.0', 'ascii'),
    Buffer.from([0x03, 0x01, 0x00, 0x00, 0x00]));
  const data = lzwZeros(width * height);
  for (let i = 0; i < frames; i++) {
    parts.push(Buffer.from([0x21, 0xf9, 0x04, 0x04, 0x0a, 0x00, 0x00, 0x00]));
    const descriptor = Buffer.alloc(10);
    descriptor[0] = 0x2c;
    descriptor.writeUInt16LE(width, 5);
    descriptor.writeUInt16LE(height, 7);
    parts.push(descriptor, Buffer.from([0x02]), data);
  }
  parts.push(Buffer.from([0x3b]));
  return Buffer.concat(parts);
}

// `count` pixels of index 0 with minimum code size 2: 3-bit codes, a clear code (4) before
// every second literal so the table never grows past 3 bits; sub-blocks of up to 255 bytes.
function lzwZeros(count) {
  const codes = [4];
  for (let i = 0; i < count; i++) {
    codes.push(0);
    if (i % 2 === 1) codes.push(4);
  }
  codes.push(5);
  const bytes = [];
  let bits = 0;
  let bitCount = 0;
  for (const code of codes) {
    bits |= code << bitCount;
    bitCount += 3;
    while (bitCount >= 8) {
      bytes.push(bits & 0xff);
      bits >>= 8;
      bitCount -= 8;
    }
  }
  if (bitCount > 0) bytes.push(bits & 0xff);
  const blocks = [];
  for (let at = 0; at < bytes.length; at += 255) {
    const chunk = bytes.slice(at, at + 255);
    blocks.push(Buffer.from([chunk.length]), Buffer.from(chunk));
  }
  blocks.push(Buffer.from([0]));
  return Buffer.concat(blocks);
}

before(async () => {
  images = testImages();
  server = await startServer({
    env: accountsEnv({ Api__Assets__MaxAnimationPixels: '100000', Processing__Workers: '0' }, { machineKeys: true }),
  });
});

after(async () => {
  await server.stop();
  server.cleanup();
});

test('a JPEG named .png (declared image/png) is stored as the JPEG it is', async () => {
  const jpeg = convert(png(16, 12, { seed: 41 }), '.jpg');
  const asset = await uploadOk(server, key, {
    file: { data: jpeg, filename: 'photo.png', contentType: 'image/png' },
  });
  assert.equal(asset.contentType, 'image/jpeg');
  assert.equal(asset.extension, '.jpg');
  assert.equal(asset.originalFileName, 'photo.png');
  assert.match(asset.storageKey, /\.jpg$/);
  assert.equal(asset.width, 16);
  assert.equal(asset.height, 12);
  const content = await fetchBytes(server, pathOf(asset.publicUrl));
  assert.equal(content.status, 200);
  assert.equal(content.headers.get('content-type'), 'image/jpeg');
  assert.ok(content.bytes.equals(jpeg));
  const logged = server.logs.find((line) => line.event === 'upload_type_corrected');
  assert.ok(logged, 'the declared type is kept in a log line');
  assert.match(logged.message, /image\/png/);

  // any allowed declared type: a GIF declared image/webp is a GIF
  const gif = await uploadOk(server, key, {
    file: { data: images.gif, filename: 'anim.webp', contentType: 'image/webp' },
  });
  assert.equal(gif.contentType, 'image/gif');
  assert.equal(gif.extension, '.gif');
});

test('bytes that are no allowed image at all stay asset_content_mismatch', async () => {
  const before = await total();
  for (const data of [Buffer.from('just text, named like a picture'), images.png.subarray(0, 20)]) {
    expectError(await upload(server, key, { file: { data, filename: 'a.png', contentType: 'image/png' } }),
      400, 'asset_content_mismatch');
  }
  assert.equal(await total(), before);
  assert.deepEqual(tempFiles(), []);
});

test('a GIF whose logical screen is 65535 x 65535 is refused though its frame is 1 x 1', async () => {
  const before = await total();
  const bomb = tinyGif(65535, 65535);
  assert.equal(bomb.length, 43);
  expectError(await upload(server, key, { file: { data: bomb, filename: 'tiny.gif', contentType: 'image/gif' } }),
    400, 'asset_image_too_large');
  assert.equal(await total(), before);
  const normal = await uploadOk(server, key, {
    file: { data: tinyGif(1, 1), filename: 'pixel.gif', contentType: 'image/gif' },
  });
  assert.equal(normal.width, 1);
  assert.equal(normal.height, 1);
});

test('an animation is refused when frames x frame size exceed Api__Assets__MaxAnimationPixels', async () => {
  // budget 100 000 pixels: 10 frames of 50 x 50 (25 000) fit, 50 frames (125 000) do not
  const fits = await uploadOk(server, key, {
    file: { data: animatedGif(50, 50, 10), filename: 'fits.gif', contentType: 'image/gif' },
  });
  assert.equal(fits.contentType, 'image/gif');
  assert.equal(fits.width, 50);
  assert.equal(fits.height, 50);
  const before = await total();
  expectError(await upload(server, key, {
    file: { data: animatedGif(50, 50, 50), filename: 'long.gif', contentType: 'image/gif' },
  }), 400, 'asset_image_too_large');
  assert.equal(await total(), before);
});

test('who uploaded an asset is recorded, shown in detail and list, and filterable', async () => {
  const root = await login(server, ROOT.username, ROOT.password);
  const person = await createUser(server, key, { permissions: ['assets.read', 'assets.create'] });
  const session = await login(server, person.username, person.password);
  const personal = await createKey(server, session.accessToken, { permissions: ['assets.read', 'assets.create'] });
  const byPerson = await uploadOk(server, session.accessToken, { file: { data: png(6, 6, { seed: 61 }), filename: 'p.png' } });
  const byPersonalKey = await uploadOk(server, personal.key, { file: { data: png(6, 6, { seed: 62 }), filename: 'k.png' } });
  const byMachine = await uploadOk(server, key, { file: { data: png(6, 6, { seed: 63 }), filename: 'm.png' } });
  const byRoot = await uploadOk(server, root.accessToken, { file: { data: png(6, 6, { seed: 64 }), filename: 'r.png' } });

  assert.equal(byPerson.createdByUserId, person.id);
  assert.equal(byPerson.createdByUsername, person.username);
  assert.equal(byPersonalKey.createdByUserId, person.id, 'a personal key acts as its owner');
  assert.equal(byPersonalKey.createdByUsername, person.username);
  assert.equal(byMachine.createdByUserId, null, 'a machine key is no user');
  assert.match(byMachine.createdByUsername, /^api-key:/);
  assert.equal(byRoot.createdByUserId, root.user.id);

  const detail = await server.request('GET', `/api/v1/assets/${byPersonalKey.id}`, { token: key });
  assert.equal(detail.body.data.createdByUserId, person.id);
  assert.equal(detail.body.data.createdByUsername, person.username);

  const mine = await server.request('GET', `/api/v1/assets?createdByUserId=${person.id.toUpperCase()}&pageSize=100`, { token: key });
  assert.equal(mine.status, 200, mine.text);
  assert.deepEqual(mine.body.data.items.map((a) => a.id).sort(), [byPerson.id, byPersonalKey.id].sort());
  assert.equal(mine.body.data.total, 2);
  for (const item of mine.body.data.items) assert.equal(item.createdByUsername, person.username);
  expectError(await server.request('GET', '/api/v1/assets?createdByUserId=nobody', { token: key }),
    400, 'request_invalid');

  // the public gallery never shows who uploaded
  const gallery = await server.request('GET', '/api/v1/public/assets?pageSize=100');
  assert.ok(gallery.body.data.items.some((item) => item.id === byPerson.id), 'the gallery lists the asset');
  for (const item of gallery.body.data.items) assert.equal('createdByUserId' in item, false);
  const publicDetail = await server.request('GET', `/api/v1/public/assets/${byPerson.id}`);
  assert.equal(publicDetail.status, 200, publicDetail.text);
  assert.equal('createdByUsername' in publicDetail.body.data, false);
});
