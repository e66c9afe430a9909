// images.js - real image files for the asset tests, made without network: PNG by a tiny
// encoder (node's zlib), JPEG/GIF/WebP by converting that PNG with Debian's libvips `vips`
// command, a JPEG with an EXIF block (any Orientation) spliced in, a PNG with a marked corner
// (to see rotations), animations (GIF, WebP) and a PNG "decompression bomb" whose header
// claims 20000x20000 pixels while its data is a few bytes.
import { deflateSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(buffer) {
  let crc = 0xffffffff;
  for (const byte of buffer) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function ihdr(width, height) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  return pngChunk('IHDR', header);
}

// An RGB PNG of width x height whose pixels `pixel(x, y, row, offset)` writes into row[offset..
// offset+2]; `level` is the deflate level (0 = stored, nothing compresses).
export function encodePng(width, height, pixel, level = 6) {
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) pixel(x, y, row, 1 + x * 3);
    rows.push(row);
  }
  const data = deflateSync(Buffer.concat(rows), { level });
  return Buffer.concat([PNG_SIGNATURE, ihdr(width, height), pngChunk('IDAT', data),
    pngChunk('IEND', Buffer.alloc(0))]);
}

// An RGB PNG of width x height; `seed` varies the pixels so that files differ.
export function png(width, height, { seed = 1 } = {}) {
  const rows = [];
  let state = seed >>> 0;
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let i = 1; i < row.length; i++) {
      state = (state * 1103515245 + 12345) >>> 0;
      row[i] = state >>> 24;
    }
    rows.push(row);
  }
  const data = deflateSync(Buffer.concat(rows));
  return Buffer.concat([PNG_SIGNATURE, ihdr(width, height), pngChunk('IDAT', data),
    pngChunk('IEND', Buffer.alloc(0))]);
}

// A PNG whose header claims width x height but whose data is a few bytes: reading it would
// need width*height*3 bytes, reading its header costs nothing.
export function pngBomb(width = 20000, height = 20000) {
  const data = deflateSync(Buffer.alloc(1 + width * 3 > 1024 ? 1024 : 1 + width * 3));
  return Buffer.concat([PNG_SIGNATURE, ihdr(width, height), pngChunk('IDAT', data),
    pngChunk('IEND', Buffer.alloc(0))]);
}

// Convert PNG bytes with `vips copy` to another format: '.jpg', '.gif', '.webp' (options in
// vips syntax, e.g. '[Q=90]').
export function convert(pngBytes, extension, options = '') {
  const dir = mkdtempSync(join(tmpdir(), 'nekohub-img-'));
  try {
    const source = join(dir, 'in.png');
    const target = join(dir, `out${extension}`);
    writeFileSync(source, pngBytes);
    execFileSync('/usr/bin/vips', ['copy', source, `${target}${options}`], { stdio: 'pipe' });
    return readFileSync(target);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// An EXIF APP1 segment (little-endian TIFF) holding an Orientation (default 6: the stored
// pixels must be turned 90 degrees clockwise to be upright) and a camera Make.
function exifSegment(orientation = 6) {
  const make = Buffer.from('NekoCam\0', 'ascii');
  const entries = 2;
  const ifdSize = 2 + entries * 12 + 4;
  const tiff = Buffer.alloc(8 + ifdSize + make.length);
  tiff.write('II', 0, 'ascii');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4);
  let at = 8;
  tiff.writeUInt16LE(entries, at); at += 2;
  tiff.writeUInt16LE(0x010f, at); tiff.writeUInt16LE(2, at + 2); // Make, ASCII
  tiff.writeUInt32LE(make.length, at + 4); tiff.writeUInt32LE(8 + ifdSize, at + 8); at += 12;
  tiff.writeUInt16LE(0x0112, at); tiff.writeUInt16LE(3, at + 2); // Orientation, SHORT
  tiff.writeUInt32LE(1, at + 4); tiff.writeUInt16LE(orientation, at + 8); at += 12;
  tiff.writeUInt32LE(0, at);
  make.copy(tiff, 8 + ifdSize);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'binary'), tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

// JPEG bytes with an EXIF block (the given Orientation) spliced in right after SOI.
export function withExifOrientation(jpeg, orientation = 6) {
  return Buffer.concat([jpeg.subarray(0, 2), exifSegment(orientation), jpeg.subarray(2)]);
}

// A JPEG with an EXIF block right after its SOI marker.
export function jpegWithExif(width = 24, height = 16, { orientation = 6 } = {}) {
  return withExifOrientation(convert(png(width, height, { seed: 99 }), '.jpg'), orientation);
}

// An RGB PNG of width x height: a dark grey gradient with a pure red `marker` x `marker`
// square in the top-left corner (so that a rotation shows where that corner went).
export function markedPng(width, height, { marker = 8 } = {}) {
  return encodePng(width, height, (x, y, row, offset) => {
    if (x < marker && y < marker) {
      row[offset] = 255; row[offset + 1] = 0; row[offset + 2] = 0;
      return;
    }
    const level = 40 + Math.floor((60 * (x + y)) / (width + height));
    row[offset] = level; row[offset + 1] = level; row[offset + 2] = level;
  });
}

// A photo-like image (smooth gradients, fast to make) of width x height as PNG bytes.
export function gradientPng(width, height, { seed = 1 } = {}) {
  return encodePng(width, height, (x, y, row, offset) => {
    row[offset] = (x * 255 / width + seed * 17) & 0xff;
    row[offset + 1] = (y * 255 / height + seed * 31) & 0xff;
    row[offset + 2] = ((x + y) * 127 / (width + height) + seed * 7) & 0xff;
  }, 1);
}

// An animation of `frames` pages of width x height: page i is a flat grey of level
// 20 + 60 * i. extension '.gif' or '.webp'.
export function animated(extension, width, height, frames = 3) {
  const dir = mkdtempSync(join(tmpdir(), 'nekohub-anim-'));
  try {
    const pages = [];
    for (let i = 0; i < frames; i++) {
      const level = 20 + 60 * i;
      pages.push(encodePng(width, height, (x, y, row, offset) => {
        row[offset] = level; row[offset + 1] = level; row[offset + 2] = level;
      }));
    }
    let current = join(dir, 'page0.png');
    writeFileSync(current, pages[0]);
    for (let i = 1; i < frames; i++) {
      const page = join(dir, `page${i}.png`);
      writeFileSync(page, pages[i]);
      const joined = join(dir, `joined${i}.png`);
      execFileSync('/usr/bin/vips', ['join', current, page, joined, 'vertical'], { stdio: 'pipe' });
      current = joined;
    }
    const target = join(dir, `out${extension}`);
    const saver = extension === '.gif' ? 'gifsave' : 'webpsave';
    execFileSync('/usr/bin/vips', [saver, current, target, '--page-height', String(height)], { stdio: 'pipe' });
    return readFileSync(target);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The test images every suite uses, made once per process.
let cached = null;
export function testImages() {
  if (cached) return cached;
  const base = png(32, 24, { seed: 7 });
  cached = {
    png: base,
    jpeg: convert(base, '.jpg', '[Q=90]'),
    gif: convert(png(20, 10, { seed: 3 }), '.gif'),
    webp: convert(png(40, 30, { seed: 5 }), '.webp'),
    exifJpeg: jpegWithExif(24, 16),
    bomb: pngBomb(20000, 20000),
  };
  return cached;
}
