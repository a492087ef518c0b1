import decodeQR from 'qr/decode.js';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { qrCodeSvg } from './qr-code.ts';

/** What a camera would read from the SVG, rendered 8 pixels a module with a white quiet zone. */
async function scan(svg: string): Promise<string> {
  const { data, info } = await sharp(Buffer.from(svg), { density: 72 * 8 })
    .extend({ top: 32, bottom: 32, left: 32, right: 32, background: '#ffffff' })
    .flatten({ background: '#ffffff' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return decodeQR({ width: info.width, height: info.height, data }, { format: 'RGBA' });
}

describe('QR codes of certificate links', () => {
  it.each([
    'https://credentials.example.org/credentials/0190d1f4c6b27a3e9f1c2d3e4f5a6b7c/',
    'http://localhost:8150/credentials/ffffffffffffffffffffffffffffffff/',
    'https://a.example/',
  ])('scans back to %s', async (url) => {
    const svg = qrCodeSvg(url);
    expect(svg).toMatch(/^<svg [^>]*viewBox="0 0 (\d+) \1"/);
    expect(await scan(svg)).toBe(url);
  });
});
