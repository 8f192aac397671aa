#!/usr/bin/env node
/**
 * Draws Steady's marketplace icon (images/icon.png, 128x128 RGBA): a rounded blue tile with a white pulse line that
 * spikes once and then runs level — an unsteady signal made steady. Uses only Node (zlib for the PNG encoding) and
 * 4x4 supersampling for smooth edges. Run: node images/make-icon.mjs
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const SIZE = 128;
const SS = 4; // samples per axis per pixel

/** Distance from point p to segment ab. */
function segDist(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Whether p is inside the rounded square [m, SIZE-m] with corner radius r. */
function inTile(px, py, m, r) {
  const lo = m + r;
  const hi = SIZE - m - r;
  const cx = Math.max(lo, Math.min(hi, px));
  const cy = Math.max(lo, Math.min(hi, py));
  return Math.hypot(px - cx, py - cy) <= r;
}

const pulse = [
  [18, 70],
  [40, 70],
  [50, 44],
  [62, 92],
  [72, 58],
  [79, 70],
  [110, 70],
];
const STROKE = 5; // half width

const top = [0x2f, 0x80, 0xed];
const bottom = [0x1c, 0x3f, 0x8c];

const rgba = Buffer.alloc(SIZE * SIZE * 4);
for (let y = 0; y < SIZE; y++) {
  for (let x = 0; x < SIZE; x++) {
    let tile = 0;
    let line = 0;
    for (let sy = 0; sy < SS; sy++) {
      for (let sx = 0; sx < SS; sx++) {
        const px = x + (sx + 0.5) / SS;
        const py = y + (sy + 0.5) / SS;
        if (!inTile(px, py, 4, 26)) continue;
        tile++;
        let d = Infinity;
        for (let i = 0; i + 1 < pulse.length; i++) d = Math.min(d, segDist(px, py, ...pulse[i], ...pulse[i + 1]));
        if (d <= STROKE) line++;
      }
    }
    const n = SS * SS;
    const a = tile / n;
    const l = tile ? line / tile : 0;
    const g = y / (SIZE - 1);
    const o = (y * SIZE + x) * 4;
    for (let c = 0; c < 3; c++) {
      const bg = top[c] + (bottom[c] - top[c]) * g;
      rgba[o + c] = Math.round(bg + (255 - bg) * l);
    }
    rgba[o + 3] = Math.round(a * 255);
  }
}

const crcTable = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(buf) {
  let c = -1;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(SIZE, 0);
ihdr.writeUInt32BE(SIZE, 4);
ihdr[8] = 8; // bit depth
ihdr[9] = 6; // RGBA
const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) rgba.copy(raw, y * (SIZE * 4 + 1) + 1, y * SIZE * 4, (y + 1) * SIZE * 4);
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'icon.png');
writeFileSync(out, png);
console.log(`wrote ${out} (${png.length} bytes)`);
