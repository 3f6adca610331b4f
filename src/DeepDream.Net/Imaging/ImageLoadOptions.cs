using Microsoft.Extensions.Logging;

namespace DeepDream.Imaging;

/// <summary>Settings for <see cref="ImageLoader.Load(string, ImageLoadOptions?)"/> and <see cref="ImageLoader.Load(Stream, string, ImageLoadOptions?)"/>.</summary>
public sealed class ImageLoadOptions
{
    /// <summary>Creates options with every value at its default.</summary>
    public ImageLoadOptions() { }

    /// <summary>The default pixel limit: 100,000,000 pixels (100 megapixels, e.g. 10000×10000).</summary>
    public const long DefaultMaxPixels = 100_000_000;

    /// <summary>
    /// The largest image (width × height) that will be decoded; default <see cref="DefaultMaxPixels"/> (100 MP). The
    /// limit is checked against the file header before any pixel memory is allocated, so a small file that declares a
    /// huge image (a decompression bomb) is refused at once. Must be positive.
    /// </summary>
    public long MaxPixels { get; init; } = DefaultMaxPixels;

    /// <summary>The default limit for images read from pipes, FIFOs, devices and streams: 512 MiB.</summary>
    public const long DefaultMaxStreamBytes = 512L << 20;

    /// <summary>
    /// The most bytes read from a source that is not a regular file — a pipe, FIFO or device path, or a stream given to
    /// <see cref="ImageLoader.Load(Stream, string, ImageLoadOptions?)"/> — which has to be read whole into memory before
    /// decoding; default <see cref="DefaultMaxStreamBytes"/>. Longer input is refused once the limit is reached (an
    /// endless source such as <c>/dev/urandom</c> is refused after its first bytes, which match no image format). Regular
    /// files are read in place and need no limit. Must be positive.
    /// </summary>
    public long MaxStreamBytes { get; init; } = DefaultMaxStreamBytes;

    /// <summary>
    /// Whether a PNG, JPEG or GIF that ends early may still be decoded (the missing part comes out grey or black) with a
    /// warning instead of an <see cref="ImageLoadException"/>. Default <see langword="false"/>: truncated files are refused.
    /// </summary>
    public bool AllowTruncated { get; init; }

    /// <summary>Where to report warnings (first frame of an animation, orientation applied, ...) and what was loaded; optional.</summary>
    public ILogger? Logger { get; init; }
}
