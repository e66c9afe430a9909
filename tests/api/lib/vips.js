// vips.js - decode image bytes in tests with Debian's libvips commands (never our own code):
// `vipsheader -a` for the header (dimensions, loader, pages, EXIF fields, orientation),
// `vips getpoint` for one pixel, `vips crop` + `vips avg` for the mean of a region. Every
// helper takes the bytes (a Buffer) and works on a temporary file it removes again.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const VIPS = '/usr/bin/vips';
const VIPSHEADER = '/usr/bin/vipsheader';

// Run fn(path) on a temporary copy of bytes (suffix: a file extension, for loaders that care).
export function withFile(bytes, fn, suffix = '.img') {
  const dir = mkdtempSync(join(tmpdir(), 'nekohub-vips-'));
  try {
    const path = join(dir, `image${suffix}`);
    writeFileSync(path, bytes);
    return fn(path, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const LOADER_FORMATS = { jpegload: 'jpeg', pngload: 'png', gifload: 'gif', webpload: 'webp' };

// The header: { width, height, bands, loader, format ('jpeg'|'png'|'gif'|'webp'), pages,
// pageHeight, orientation (1 when absent), hasExif, hasXmp, hasIcc, fields (every field as
// text) }. For an animation, height is the first frame's (loaded with its default n=1).
export function header(bytes) {
  const text = withFile(bytes, (path) => execFileSync(VIPSHEADER, ['-a', path], { encoding: 'utf8' }));
  const fields = {};
  for (const line of text.split('\n').slice(1)) {
    const colon = line.indexOf(': ');
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 2).trim();
  }
  const loader = fields['vips-loader'];
  return {
    width: Number(fields.width),
    height: Number(fields.height),
    bands: Number(fields.bands),
    loader,
    format: LOADER_FORMATS[loader] ?? loader,
    pages: fields['n-pages'] ? Number(fields['n-pages']) : 1,
    orientation: fields.orientation ? Number(fields.orientation) : 1,
    hasExif: 'exif-data' in fields,
    hasXmp: 'xmp-data' in fields,
    hasIcc: 'icc-profile-data' in fields,
    fields,
  };
}

// The values of the pixel at (x, y) of the first frame, one number per band.
export function pixel(bytes, x, y) {
  const text = withFile(bytes, (path) => execFileSync(VIPS, ['getpoint', path, String(x), String(y)],
    { encoding: 'utf8' }));
  return text.trim().split(/\s+/).map(Number);
}

// The mean over every band of the region (left, top, width, height) of the first frame.
export function regionMean(bytes, left, top, width, height) {
  return withFile(bytes, (path, dir) => {
    const region = join(dir, 'region.v');
    execFileSync(VIPS, ['crop', path, region, String(left), String(top), String(width), String(height)]);
    return Number(execFileSync(VIPS, ['avg', region], { encoding: 'utf8' }).trim());
  });
}

// The largest absolute difference between two images of the same size (first frames), over a
// region (default: all of it).
export function maxDifference(a, b, region = null) {
  return withFile(a, (pathA, dir) => {
    const pathB = join(dir, 'b.img');
    writeFileSync(pathB, b);
    const diff = join(dir, 'diff.v');
    const abs = join(dir, 'abs.v');
    let left = pathA;
    let right = pathB;
    if (region) {
      left = join(dir, 'left.v');
      right = join(dir, 'right.v');
      const area = [region.left, region.top, region.width, region.height].map(String);
      execFileSync(VIPS, ['crop', pathA, left, ...area]);
      execFileSync(VIPS, ['crop', pathB, right, ...area]);
    }
    execFileSync(VIPS, ['subtract', left, right, diff]);
    execFileSync(VIPS, ['abs', diff, abs]);
    return Number(execFileSync(VIPS, ['max', abs], { encoding: 'utf8' }).trim());
  });
}
