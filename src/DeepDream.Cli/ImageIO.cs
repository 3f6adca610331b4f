using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Cli;

/// <summary>An input image: its RGB pixels, its alpha channel when it has a non-opaque one, and load warnings.</summary>
internal sealed class LoadedImage(Image<Rgb24> rgb, Image<L8>? alpha, IReadOnlyList<string> warnings) : IDisposable
{
    public Image<Rgb24> Rgb { get; } = rgb;

    public Image<L8>? Alpha { get; } = alpha;

    public IReadOnlyList<string> Warnings { get; } = warnings;

    public void Dispose()
    {
        Rgb.Dispose();
        Alpha?.Dispose();
    }
}

/// <summary>
/// The one adapter between the CLI and image files: loading (typed <see cref="ImageLoadException"/> errors), the
/// supported output extensions, and atomic saving (temporary file in the target folder, then rename).
/// </summary>
// TEMP until imaging branch: this whole class is a local implementation on ImageSharp. When DeepDream.Imaging's
// SafeImageLoader/ImageWriter land it becomes a thin forwarder (Load -> SafeImageLoader.Load(path, new ImageLoadOptions
// { MaxPixels }), Save -> alpha recombination + ImageWriter.Save, IsSupportedExtension/SupportedExtensions -> ImageWriter's).
internal static class ImageIO
{
    /// <summary>Larger inputs are refused (about 16k × 16k would need tens of GiB during the dream).</summary>
    public const long MaxPixels = 100_000_000;

    private static readonly Dictionary<string, Func<IImageEncoder>> Encoders = new(StringComparer.OrdinalIgnoreCase)
    {
        [".png"] = () => new PngEncoder(),
        [".jpg"] = () => new JpegEncoder { Quality = 95 },
        [".jpeg"] = () => new JpegEncoder { Quality = 95 },
        [".bmp"] = () => new BmpEncoder(),
        [".webp"] = () => new WebpEncoder { FileFormat = WebpFileFormatType.Lossless },
        [".tif"] = () => new TiffEncoder(),
        [".tiff"] = () => new TiffEncoder(),
        [".gif"] = () => new GifEncoder(),
    };

    private static readonly HashSet<string> AlphaFormats = new(StringComparer.OrdinalIgnoreCase) { ".png", ".webp", ".tif", ".tiff", ".gif" };

    /// <summary>The output extensions, with the dot.</summary>
    public static IReadOnlyList<string> SupportedExtensions { get; } = [.. Encoders.Keys];

    /// <summary>Whether <paramref name="path"/>'s extension names a format the tool can write.</summary>
    public static bool IsSupportedExtension(string path) => Encoders.ContainsKey(Path.GetExtension(path));

    /// <summary>Loads an image as RGB plus alpha.</summary>
    /// <exception cref="ImageLoadException">The file is missing, not an image, damaged, or too large.</exception>
    public static LoadedImage Load(string path)
    {
        if (Directory.Exists(path)) throw new ImageLoadException($"'{path}' is a folder, not an image file.");
        if (!File.Exists(path)) throw new ImageLoadException($"The image file '{path}' does not exist.");
        try
        {
            var info = Image.Identify(path) ?? throw new ImageLoadException($"'{path}' is not an image in a supported format (PNG, JPEG, BMP, GIF, TIFF, WebP, TGA, PBM).");
            if ((long)info.Width * info.Height > MaxPixels)
                throw new ImageLoadException($"The image '{path}' is {info.Width}×{info.Height}, over the limit of {MaxPixels:N0} pixels; shrink it first.");
            using var rgba = Image.Load<Rgba32>(path);
            var rgb = rgba.CloneAs<Rgb24>();
            Image<L8>? alpha = null;
            if (HasTransparency(rgba))
            {
                alpha = new Image<L8>(rgba.Width, rgba.Height);
                for (var y = 0; y < rgba.Height; y++)
                for (var x = 0; x < rgba.Width; x++)
                    alpha[x, y] = new L8(rgba[x, y].A);
            }
            return new LoadedImage(rgb, alpha, []);
        }
        catch (ImageLoadException)
        {
            throw;
        }
        catch (UnknownImageFormatException e)
        {
            throw new ImageLoadException($"'{path}' is not an image in a supported format (PNG, JPEG, BMP, GIF, TIFF, WebP, TGA, PBM).", e);
        }
        catch (Exception e) when (e is InvalidImageContentException or ImageFormatException or NotSupportedException)
        {
            throw new ImageLoadException($"The image '{path}' is damaged or uses an unsupported variant of its format: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageLoadException($"Cannot read the image '{path}': {e.Message}", e);
        }
    }

    /// <summary>
    /// Writes <paramref name="image"/> (with <paramref name="alpha"/> when the format keeps it) to <paramref name="path"/>
    /// atomically: a temporary file in the same folder is renamed over the target, so a failure leaves any existing file
    /// untouched and no partial file behind.
    /// </summary>
    /// <exception cref="FileAccessException">The file cannot be written.</exception>
    public static void Save(Image<Rgb24> image, Image<L8>? alpha, string path)
    {
        if (!Encoders.TryGetValue(Path.GetExtension(path), out var encoder))
            throw new UsageException($"Cannot write '{path}': unknown image extension; use one of {string.Join(", ", SupportedExtensions)}.");
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                if (alpha is not null && AlphaFormats.Contains(Path.GetExtension(path)) && alpha.Width == image.Width && alpha.Height == image.Height)
                {
                    using var rgba = WithAlpha(image, alpha);
                    rgba.Save(stream, encoder());
                }
                else
                {
                    image.Save(stream, encoder());
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            TryDelete(temp);
            throw new FileAccessException($"Cannot write the output image '{path}': {e.Message}", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static bool HasTransparency(Image<Rgba32> image)
    {
        var transparent = false;
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height && !transparent; y++)
            {
                foreach (var p in rows.GetRowSpan(y))
                {
                    if (p.A != 255) { transparent = true; break; }
                }
            }
        });
        return transparent;
    }

    private static Image<Rgba32> WithAlpha(Image<Rgb24> image, Image<L8> alpha)
    {
        var result = image.CloneAs<Rgba32>();
        for (var y = 0; y < result.Height; y++)
        for (var x = 0; x < result.Width; x++)
        {
            var p = result[x, y];
            p.A = alpha[x, y].PackedValue;
            result[x, y] = p;
        }
        return result;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the temporary file has a unique hidden name.
        }
    }
}
