// png.js - real PNG files made in memory: small solid-colour images, and noise images whose
// size on the wire is about width*height*3 bytes (stored deflate blocks, nothing compresses),
// for uploads slow enough to watch their progress.
import { randomBytes } from 'node:crypto';
import { encodePng as encode } from '../../api/lib/images.js';

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
