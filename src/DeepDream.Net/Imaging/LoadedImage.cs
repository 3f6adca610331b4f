using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Imaging;

/// <summary>
/// An image read by <see cref="ImageLoader"/>: upright 8-bit RGB pixels, the alpha plane if the file had one, and what
/// the file was. Owns both images; dispose it (or clone the images you keep).
/// </summary>
public sealed class LoadedImage : IDisposable
{
    internal LoadedImage(
        string path,
        Image<Rgb24> rgb,
        Image<L8>? alpha,
        string format,
        string sourcePixelType,
        int sourceBitsPerPixel,
        ushort exifOrientation,
        bool orientationApplied,
        int frameCount,
        IReadOnlyList<string> warnings)
    {
        Path = path;
        Rgb = rgb;
        Alpha = alpha;
        Format = format;
        SourcePixelType = sourcePixelType;
        SourceBitsPerPixel = sourceBitsPerPixel;
        ExifOrientation = exifOrientation;
        OrientationApplied = orientationApplied;
        FrameCount = frameCount;
        Warnings = warnings;
    }

    /// <summary>The full path of the file that was read.</summary>
    public string Path { get; }

    /// <summary>The pixels as 8-bit RGB, already turned upright when the file carried an EXIF orientation.</summary>
    public Image<Rgb24> Rgb { get; }

    /// <summary>The alpha plane (same size as <see cref="Rgb"/>), or <see langword="null"/> when the file has no transparency.</summary>
    public Image<L8>? Alpha { get; }

    /// <summary>Whether an alpha plane was found (see <see cref="Alpha"/>).</summary>
    public bool HasAlpha => Alpha is not null;

    /// <summary>Width in pixels (after orientation).</summary>
    public int Width => Rgb.Width;

    /// <summary>Height in pixels (after orientation).</summary>
    public int Height => Rgb.Height;

    /// <summary>The file format's name as ImageSharp reports it, e.g. "PNG", "JPEG", "GIF".</summary>
    public string Format { get; }

    /// <summary>A description of the file's own pixel layout before conversion, e.g. "PNG RgbWithAlpha, 16 bits per sample" or "JPEG Cmyk".</summary>
    public string SourcePixelType { get; }

    /// <summary>Bits per pixel as the file header declares them (e.g. 24 for RGB, 48 for 16-bit RGB, 8 for grayscale or palette).</summary>
    public int SourceBitsPerPixel { get; }

    /// <summary>The EXIF orientation tag found in the file (1 = upright, 2..8 = mirrored/rotated); 1 when there was none.</summary>
    public ushort ExifOrientation { get; }

    /// <summary>Whether the pixels were rotated or mirrored to honour <see cref="ExifOrientation"/>.</summary>
    public bool OrientationApplied { get; }

    /// <summary>The number of frames in the file (GIF animations); only the first is loaded. 1 for still images.</summary>
    public int FrameCount { get; }

    /// <summary>Everything noteworthy that did not stop the load (also logged when a logger was given).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Disposes <see cref="Rgb"/> and <see cref="Alpha"/>.</summary>
    public void Dispose()
    {
        Rgb.Dispose();
        Alpha?.Dispose();
    }
}
