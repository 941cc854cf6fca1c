import { ValueError } from '@kiln/tensor';

/**
 * An image on the host in height × width × channels order (the role PIL images play in
 * torchvision): what image data sets return before `toTensor()`. `data` is usually a view into the
 * data set's buffer, so transforms never write to it.
 *
 * @example
 * ```ts
 * import { Image } from '@kiln/data';
 * const img = new Image(new Uint8Array([0, 255, 128, 64]), 2, 2, 1);
 * img.at(0, 1); // 255
 * ```
 */
export class Image {
  /** A tag that identifies images across copies of this package and across worker threads. */
  readonly kilnDataKind = 'Image' as const;
  /** Pixels, row-major, channels interleaved (uint8 0–255, or float32). */
  readonly data: Uint8Array | Float32Array;
  /** Rows. */
  readonly height: number;
  /** Columns. */
  readonly width: number;
  /** Channels per pixel (1 for grayscale, 3 for RGB). */
  readonly channels: number;

  constructor(data: Uint8Array | Float32Array, height: number, width: number, channels = 1) {
    if (data.length !== height * width * channels) {
      throw new ValueError(
        `Image: ${height}×${width}×${channels} needs ${height * width * channels} values (got ${data.length})`,
      );
    }
    this.data = data;
    this.height = height;
    this.width = width;
    this.channels = channels;
  }

  /**
   * Whether a value is an `Image`, also one made by another copy of this package.
   *
   * @example
   * ```ts
   * import { Image } from '@kiln/data';
   * Image.isInstance(new Image(new Uint8Array(1), 1, 1)); // true
   * ```
   */
  static isInstance(value: unknown): value is Image {
    return typeof value === 'object' && value !== null && (value as Image).kilnDataKind === 'Image';
  }

  /** The value at row `y`, column `x`, channel `c`. */
  at(y: number, x: number, c = 0): number {
    return this.data[(y * this.width + x) * this.channels + c]!;
  }
}
