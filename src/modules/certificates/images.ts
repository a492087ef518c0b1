import { ValidationError } from '../../platform/errors.ts';

/** An upload may be this large: a print-quality logo or signature is far smaller. */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
/** Images may have this many pixels (decoding more is how image bombs exhaust memory). */
const MAX_IMAGE_PIXELS = 25_000_000;
/** SVGs are rasterized to fit this many pixels on their long side. */
const SVG_RASTER_SIDE = 2048;

/** An image as Laurel stores it: re-encoded from the upload, metadata stripped. */
export interface CleanImage {
  bytes: Buffer;
  contentType: 'image/png' | 'image/jpeg' | 'image/webp';
  width: number;
  height: number;
}

/**
 * Checks an upload by its content (never its name or declared type) and re-encodes it: PNG, JPEG and
 * WebP stay in their format; SVG is rasterized to PNG, since an SVG can carry script and a PNG cannot.
 * Re-encoding drops metadata (a phone photo's location) and anything hidden after the image data.
 * sharp is loaded on first use: most processes never see an upload.
 */
export async function cleanImage(upload: Buffer): Promise<CleanImage> {
  if (upload.length === 0) throw ValidationError.field('file', 'The file is empty.');
  if (upload.length > MAX_IMAGE_BYTES)
    throw ValidationError.field('file', `Images may be at most ${MAX_IMAGE_BYTES / 1024 / 1024} MB.`);
  const { default: sharp } = await import('sharp');
  const open = (input: Buffer, options: { density?: number } = {}) =>
    sharp(input, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error', ...options });

  // The header only, decoding nothing: the pixel limit is checked below, with its own message.
  const metadata = await sharp(upload, { limitInputPixels: false })
    .metadata()
    .catch(() => {
      throw ValidationError.field(
        'file',
        'The file is not an image Laurel accepts (PNG, JPEG, WebP or SVG).',
      );
    });
  const { format, width = 0, height = 0 } = metadata;
  if (format === 'svg') return rasterizeSvg(upload, width, height);
  if (format !== 'png' && format !== 'jpeg' && format !== 'webp')
    throw ValidationError.field(
      'file',
      `${format ?? 'These'} images are not accepted: use PNG, JPEG, WebP or SVG.`,
    );
  if (width * height > MAX_IMAGE_PIXELS)
    throw ValidationError.field(
      'file',
      `Images may have at most ${MAX_IMAGE_PIXELS.toLocaleString('en')} pixels.`,
    );

  try {
    // rotate() applies the EXIF orientation before the metadata carrying it is dropped.
    const pipeline = open(upload).rotate();
    const encoded =
      format === 'png'
        ? pipeline.png({ compressionLevel: 9 })
        : format === 'jpeg'
          ? pipeline.jpeg({ quality: 90, mozjpeg: true })
          : pipeline.webp({ quality: 90 });
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    return { bytes: data, contentType: `image/${format}`, width: info.width, height: info.height };
  } catch {
    throw ValidationError.field('file', 'The image is damaged and cannot be read.');
  }

  async function rasterizeSvg(svg: Buffer, svgWidth: number, svgHeight: number): Promise<CleanImage> {
    // Entities are how XML bombs grow; a logo or signature has no use for them.
    if (/<!(DOCTYPE|ENTITY)/i.test(svg.toString('utf8')))
      throw ValidationError.field('file', 'SVG files with a DOCTYPE or entities are not accepted.');
    const side = Math.max(svgWidth, svgHeight, 1);
    // 72 dpi is the SVG's own size; render it large enough that the long side fills SVG_RASTER_SIDE.
    const density = Math.min(2400, Math.max(1, (72 * SVG_RASTER_SIDE) / side));
    try {
      const { data, info } = await open(svg, { density })
        .resize(SVG_RASTER_SIDE, SVG_RASTER_SIDE, { fit: 'inside', withoutEnlargement: true })
        .png({ compressionLevel: 9 })
        .toBuffer({ resolveWithObject: true });
      return { bytes: data, contentType: 'image/png', width: info.width, height: info.height };
    } catch {
      throw ValidationError.field('file', 'The SVG cannot be drawn.');
    }
  }
}
