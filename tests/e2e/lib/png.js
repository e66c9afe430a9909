// png.js - real PNG files made in memory: small solid-colour images, and noise images whose
// size on the wire is about width*height*3 bytes (stored deflate blocks, nothing compresses),
// for uploads slow enough to watch their progress.
import { deflateSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(buffer) {
  let crc = 0xffffffff;
  for (const byte of buffer) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function encode(width, height, pixel, level) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) pixel(x, y, row, 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows), { level })),
    chunk('IEND', Buffer.alloc(0))]);
}

// A width x height image in one colour [r, g, b] with a darker diagonal (so it is visibly an
// image in screenshots).
export function solidPng(width, height, [r, g, b]) {
  return encode(width, height, (x, y, row, i) => {
    const edge = Math.abs(x - y) < 2;
    row[i] = edge ? r >> 1 : r;
    row[i + 1] = edge ? g >> 1 : g;
    row[i + 2] = edge ? b >> 1 : b;
  }, 9);
}

// Random pixels, uncompressed: about width*height*3 bytes.
export function noisePng(width, height) {
  const noise = randomBytes(width * height * 3);
  return encode(width, height, (x, y, row, i) => {
    const j = (y * width + x) * 3;
    row[i] = noise[j];
    row[i + 1] = noise[j + 1];
    row[i + 2] = noise[j + 2];
  }, 0);
}
