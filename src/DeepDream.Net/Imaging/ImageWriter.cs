using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Imaging;

/// <summary>
/// Saves images atomically, choosing the encoder from the file extension: the image is written to a temporary file in
/// the target folder (named <c>.&lt;name&gt;.&lt;random&gt;.tmp</c>), flushed to disk, then moved over the target in one
/// step. If anything fails, the temporary file is deleted and an existing file at the target is left untouched.
/// </summary>
/// <remarks>
/// Encoders: PNG (lossless; RGBA when the image has alpha), JPEG quality 95 (alpha is dropped, JPEG has none), BMP
/// (32-bit with alpha when the image has alpha, else 24-bit), WebP (lossy, quality 95; lossless when the image has
/// alpha, because ImageSharp 2.x's lossy WebP encoder drops it), TIFF (ImageSharp 2.x defaults: RGB only, alpha is
/// dropped), GIF (palette quantised by ImageSharp; fully transparent pixels become the transparent palette entry).
/// </remarks>
public static class ImageWriter
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".gif"];

    /// <summary>The file extensions <see cref="Save(Image, string)"/> accepts, lower case with the dot.</summary>
    public static IReadOnlyList<string> SupportedExtensions { get; } = Array.AsReadOnly(Extensions);

    /// <summary>The JPEG (and lossy WebP) quality used when saving.</summary>
    public const int JpegQuality = 95;

    /// <summary>Whether <paramref name="path"/> ends in one of <see cref="SupportedExtensions"/> (case-insensitive).</summary>
    /// <param name="path">A file path or name.</param>
    /// <returns><see langword="true"/> when an encoder exists for the extension.</returns>
    public static bool IsSupportedExtension(string? path)
    {
        if (string.IsNullOrEmpty(path)) return false;
        string extension = Path.GetExtension(path);
        return Extensions.Contains(extension, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Saves an image atomically, the format chosen by the extension of <paramref name="path"/>.</summary>
    /// <param name="image">The image (any pixel type); it is not changed.</param>
    /// <param name="path">The output file; its folder must exist. An existing file is replaced only once the new one is complete.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The extension is not one of <see cref="SupportedExtensions"/> (checked before anything is written).</exception>
    /// <exception cref="ImageSaveException">The folder does not exist, the path is a folder, or writing or encoding failed; nothing was changed on disk.</exception>
    public static void Save(Image image, string path)
    {
        ArgumentNullException.ThrowIfNull(image);
        var encoder = EncoderFor(path, image.PixelType.AlphaRepresentation is { } alpha && alpha != PixelAlphaRepresentation.None);
        Save(image, path, encoder);
    }

    /// <summary>
    /// Recombines RGB pixels with an optional alpha plane (such as <see cref="LoadedImage.Alpha"/>) and saves the result atomically. PNG, WebP (lossless then) and BMP keep the alpha
    /// exactly, GIF keeps fully transparent pixels; JPEG and TIFF drop it (the RGB pixels are written as they are).
    /// </summary>
    /// <param name="rgb">The RGB pixels.</param>
    /// <param name="alpha">The alpha plane (same size as <paramref name="rgb"/>), or <see langword="null"/> for an opaque image.</param>
    /// <param name="path">The output file; its folder must exist.</param>
    /// <exception cref="ArgumentNullException"><paramref name="rgb"/> or <paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The extension is not supported, or the alpha plane's size differs from the RGB image's.</exception>
    /// <exception cref="ImageSaveException">Writing or encoding failed; nothing was changed on disk.</exception>
    public static void Save(Image<Rgb24> rgb, Image<L8>? alpha, string path) => Save(rgb, alpha, path, CancellationToken.None);

    /// <summary>
    /// Recombines RGB pixels with an optional alpha plane and saves the result atomically, like
    /// <see cref="Save(Image{Rgb24}, Image{L8}?, string)"/>; a cancel that arrives before the new file replaces the old one
    /// leaves the old one (or none) in place and throws.
    /// </summary>
    /// <param name="rgb">The RGB pixels.</param>
    /// <param name="alpha">The alpha plane (same size as <paramref name="rgb"/>), or <see langword="null"/> for an opaque image.</param>
    /// <param name="path">The output file; its folder must exist.</param>
    /// <param name="cancellationToken">Checked when the new file is complete, just before it replaces the target.</param>
    /// <exception cref="ArgumentNullException"><paramref name="rgb"/> or <paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The extension is not supported, or the alpha plane's size differs from the RGB image's.</exception>
    /// <exception cref="ImageSaveException">Writing or encoding failed; nothing was changed on disk.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the target was replaced; nothing was changed on disk.</exception>
    public static void Save(Image<Rgb24> rgb, Image<L8>? alpha, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        var encoder = EncoderFor(path, alpha is not null);
        if (alpha is null)
        {
            Save(rgb, path, encoder, cancellationToken);
            return;
        }

        using var rgba = ImageTensor.Recombine(rgb, alpha);
        Save(rgba, path, encoder, cancellationToken);
    }

    /// <summary>
    /// Writes RGB pixels with an optional alpha plane to a stream (standard output, a network response, ...) in the
    /// format of <paramref name="extension"/>, with the same encoders as the file overloads. Not atomic: a stream has no
    /// old content to keep.
    /// </summary>
    /// <param name="rgb">The RGB pixels.</param>
    /// <param name="alpha">The alpha plane, or <see langword="null"/> for an opaque image.</param>
    /// <param name="destination">Where the encoded image goes; flushed, not disposed.</param>
    /// <param name="extension">The format, as a file extension such as <c>.png</c>.</param>
    /// <exception cref="ArgumentNullException">An argument other than <paramref name="alpha"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The extension is not supported, or the alpha plane's size differs from the RGB image's.</exception>
    /// <exception cref="ImageSaveException">Encoding or writing failed.</exception>
    public static void Save(Image<Rgb24> rgb, Image<L8>? alpha, Stream destination, string extension)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        ArgumentNullException.ThrowIfNull(destination);
        var encoder = EncoderFor(extension, alpha is not null);
        try
        {
            if (alpha is null)
            {
                rgb.Save(destination, encoder);
            }
            else
            {
                using var rgba = ImageTensor.Recombine(rgb, alpha);
                rgba.Save(destination, encoder);
            }

            destination.Flush();
        }
        catch (IOException ex)
        {
            throw new ImageSaveException($"Could not write the image: {ex.Message}", ex);
        }
    }

    /// <summary>Saves with an explicit encoder (tests use it to simulate encoder failures).</summary>
    internal static void Save(Image image, string path, IImageEncoder encoder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(encoder);
        string fullPath = Path.GetFullPath(path);
        if (Directory.Exists(fullPath))
        {
            throw new ImageSaveException($"Cannot save to '{fullPath}': it is a folder; give a file name such as '{Path.Combine(fullPath, "dream.png")}'.");
        }

        string folder = Path.GetDirectoryName(fullPath) ?? throw new ImageSaveException($"Cannot save to '{fullPath}': it is not a file path.");
        if (!Directory.Exists(folder))
        {
            throw new ImageSaveException($"Cannot save to '{fullPath}': the folder '{folder}' does not exist; create it first.");
        }

        try
        {
            AtomicFile.Write(fullPath, stream => image.Save(stream, encoder), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new ImageSaveException($"Could not save '{fullPath}': {ex.Message}", ex);
        }
    }

    private static IImageEncoder EncoderFor(string path, bool hasAlpha)
    {
        ArgumentNullException.ThrowIfNull(path);
        string extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".png" => new PngEncoder(),
            ".jpg" or ".jpeg" => new JpegEncoder { Quality = JpegQuality },
            ".bmp" => hasAlpha
                ? new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel32, SupportTransparency = true }
                : new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 },
            ".webp" => hasAlpha
                ? new WebpEncoder { FileFormat = WebpFileFormatType.Lossless }
                : new WebpEncoder { FileFormat = WebpFileFormatType.Lossy, Quality = JpegQuality },
            ".tif" or ".tiff" => new TiffEncoder(),
            ".gif" => new GifEncoder(),
            _ => throw new ArgumentException(
                $"Cannot save '{path}': the extension '{Path.GetExtension(path)}' is not supported; use one of {string.Join(", ", Extensions)}.",
                nameof(path)),
        };
    }
}
