using System.Globalization;
using Microsoft.Extensions.Logging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Pbm;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace DeepDream.Imaging;

/// <summary>
/// Reads image files defensively: every problem with the file becomes an <see cref="ImageLoadException"/> that names the
/// file and says what is wrong; nothing is decoded before the header has been checked against the pixel limit.
/// </summary>
/// <remarks>
/// <para>Order of checks: the path (missing, a folder, empty; pipes, FIFOs and devices are read into memory up to
/// <see cref="ImageLoadOptions.MaxStreamBytes"/>) → the header (<c>Image.Identify</c>: unknown format, unreadable
/// header) → the pixel limit (<see cref="ImageLoadOptions.MaxPixels"/>, before any pixel memory is allocated) → the file
/// structure for PNG/JPEG/GIF (data too small for the declared size is always refused; truncated files are refused
/// unless <see cref="ImageLoadOptions.AllowTruncated"/>) → decode.</para>
/// <para>After decoding: the EXIF orientation is applied (the result is upright), only the first frame of an animation
/// (GIF) or the first page of a multi-page TIFF is kept, and every pixel layout (grayscale, 16-bit, palette, CMYK JPEG,
/// ...) is converted to 8-bit RGB plus, when the file has transparency, an exact 8-bit alpha plane.</para>
/// <para>Truncation: ImageSharp 2.x decodes a JPEG whose scan data is cut off without an error, filling the missing part
/// with grey. To avoid dreaming on half an image, the loader walks the PNG chunks (up to IEND), the JPEG markers and scan
/// data (up to the end-of-image marker FFD9) and the GIF blocks (no frame may be cut off) before decoding.</para>
/// </remarks>
public static class ImageLoader
{
    private static readonly ImageLoadOptions DefaultOptions = new();

    /// <summary>The formats and decoders the loader uses (first frame only for GIF and TIFF).</summary>
    internal static readonly Configuration DecodeConfiguration = CreateConfiguration();

    private static readonly Action<ILogger, string, string, Exception?> LogWarning =
        LoggerMessage.Define<string, string>(LogLevel.Warning, new EventId(1, "ImageLoadWarning"), "{File}: {Warning}");

    private static readonly Action<ILogger, string, int, int, string, Exception?> LogLoaded =
        LoggerMessage.Define<string, int, int, string>(LogLevel.Debug, new EventId(2, "ImageLoaded"), "Loaded {File}: {Width}×{Height}, {PixelType}");

    /// <summary>How much alpha a file's metadata announces.</summary>
    internal enum AlphaKind
    {
        /// <summary>The format or layout cannot carry transparency.</summary>
        None,

        /// <summary>The file declares an alpha channel or transparency; the plane is kept as is.</summary>
        Declared,

        /// <summary>The file may mark pixels transparent (GIF transparency index, 32-bit layouts); the pixels decide.</summary>
        Possible,
    }

    /// <summary>Reads an image file into upright 8-bit RGB pixels plus an optional alpha plane.</summary>
    /// <param name="path">The image file (PNG, JPEG, GIF, BMP, TIFF, WebP, TGA or PBM).</param>
    /// <param name="options">Pixel limit, truncation policy and logger; <see langword="null"/> for the defaults.</param>
    /// <returns>The loaded image; the caller owns and disposes it.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit in <paramref name="options"/> is not positive.</exception>
    /// <exception cref="ImageLoadException">The file is missing, a folder, empty, unreadable, not an image in a supported
    /// format, larger than the pixel limit, declares more than its data holds, truncated, or corrupt (a pipe or device:
    /// also longer than the stream limit). The message names the file and the problem.</exception>
    public static LoadedImage Load(string path, ImageLoadOptions? options = null)
    {
        Guard.NotEmpty(path, nameof(path));
        options = Check(options);
        string fullPath = ImageInput.CheckPath(path);
        using var stream = ImageInput.OpenFile(fullPath, options);
        return Decode(stream, fullPath, options);
    }

    /// <summary>
    /// Reads an image from a stream (standard input, a network response, ...) into upright 8-bit RGB pixels plus an optional
    /// alpha plane, with the same checks as a file. A stream that cannot seek is read whole into memory first, up to
    /// <see cref="ImageLoadOptions.MaxStreamBytes"/>; its first bytes must start an image in a supported format.
    /// </summary>
    /// <param name="stream">The image data, read from its current position; not disposed.</param>
    /// <param name="name">What to call the source in messages, such as <c>standard input</c>.</param>
    /// <param name="options">Pixel and size limits, truncation policy and logger; <see langword="null"/> for the defaults.</param>
    /// <returns>The loaded image; the caller owns and disposes it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> or <paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit in <paramref name="options"/> is not positive.</exception>
    /// <exception cref="ImageLoadException">The stream is empty, unreadable, not an image in a supported format, longer
    /// than the stream limit, larger than the pixel limit, truncated, or corrupt.</exception>
    public static LoadedImage Load(Stream stream, string name, ImageLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        options = Check(options);
        if (stream.CanSeek && stream.Position == 0 && stream.Length > 0) return Decode(stream, name, options);
        using var memory = ImageInput.ReadStream(stream, name, options);
        return Decode(memory, name, options);
    }

    private static ImageLoadOptions Check(ImageLoadOptions? options)
    {
        options ??= DefaultOptions;
        Guard.AtLeast(options.MaxPixels, 1, nameof(options), "ImageLoadOptions.MaxPixels");
        Guard.AtLeast(options.MaxStreamBytes, 1, nameof(options), "ImageLoadOptions.MaxStreamBytes");
        return options;
    }

    private static LoadedImage Decode(Stream stream, string fullPath, ImageLoadOptions options)
    {
        var warnings = new List<string>();
        var (info, format, frameCount) = Inspect(stream, fullPath, options, warnings);
        if (frameCount > 1) warnings.Add($"animated GIF: using the first of {frameCount} frames");

        // 4. Decode (first frame only for GIF and TIFF).
        Image<Rgba32> decoded;
        try
        {
            stream.Position = 0;
            decoded = Image.Load<Rgba32>(DecodeConfiguration, stream);
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            throw new ImageLoadException($"'{fullPath}' is a {format.Name} file that cannot be decoded: {ex.Message}", ex);
        }

        using (decoded)
        {
            return Finish(decoded, info, format, fullPath, frameCount, warnings, options.Logger);
        }
    }

    /// <summary>
    /// Every check that comes before decoding — header, pixel limit, data that cannot hold the declared size (a GIF screen
    /// far larger than its frames), truncation — without decoding a pixel. Also for readers that decode the file
    /// otherwise (every frame of a GIF), so they refuse exactly what <see cref="Load(string, ImageLoadOptions?)"/> refuses.
    /// </summary>
    /// <returns>The header, the format and the number of frames (at least 1).</returns>
    /// <exception cref="ImageLoadException">The file fails a check.</exception>
    internal static (IImageInfo Info, IImageFormat Format, int FrameCount) Inspect(Stream stream, string fullPath, ImageLoadOptions options, List<string> warnings)
    {
        // 1. The header only: format and size, no pixels.
        IImageInfo? info;
        IImageFormat? format;
        try
        {
            info = Image.Identify(DecodeConfiguration, stream, out format);
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            throw new ImageLoadException($"'{fullPath}' cannot be read as an image: its header is damaged ({ex.Message}).", ex);
        }

        if (info is null || format is null)
        {
            string extension = Path.GetExtension(fullPath);
            string named = extension.Length > 0 ? $" although its name ends in '{extension}'" : string.Empty;
            throw new ImageLoadException(
                $"'{fullPath}' is not an image in a supported format{named}: its contents match none of PNG, JPEG, GIF, BMP, TIFF, WebP, TGA, PBM.");
        }

        // 2. The pixel limit, before anything is allocated.
        if (info.Width <= 0 || info.Height <= 0)
        {
            throw new ImageLoadException($"'{fullPath}' declares an empty image ({info.Width}×{info.Height}); the file is corrupt.");
        }

        long pixels = (long)info.Width * info.Height;
        if (pixels > options.MaxPixels)
        {
            throw new ImageLoadException(string.Create(CultureInfo.InvariantCulture,
                $"'{fullPath}' declares a {info.Width}×{info.Height} image ({pixels:N0} pixels), above the pixel limit of {options.MaxPixels:N0} pixels (ImageLoadOptions.MaxPixels); it was not decoded. Use a smaller image, or raise MaxPixels if you trust the file."));
        }

        // 3. The block structure: refuse files whose data cannot hold what the header declares, and files that end early.
        var structure = CheckStructure(stream, format, fullPath);
        if (structure.Impossible is not null)
        {
            throw new ImageLoadException(
                $"'{fullPath}' declares a {info.Width}×{info.Height} image that its data cannot hold: {structure.Impossible}. The file is damaged or crafted; it was not decoded.");
        }

        if (structure.Truncation is not null)
        {
            string message = $"'{fullPath}' is truncated: {structure.Truncation}.";
            if (!options.AllowTruncated)
            {
                throw new ImageLoadException(message + " Export or download it again (or set ImageLoadOptions.AllowTruncated to decode what is there).");
            }

            warnings.Add(message + " Decoding what is there; the missing part will be blank.");
        }

        if (structure.Note is not null) warnings.Add(structure.Note);
        return (info, format, Math.Max(1, structure.FrameCount));
    }

    /// <summary>
    /// Whether a file's metadata says it can carry transparency: PNG with an alpha colour type or a tRNS chunk (which
    /// includes palettes with transparent entries), TGA with alpha bits, GIF (which can always mark a palette entry
    /// transparent; ImageSharp 2.x does not expose whether it does), 32/64-bit BMP, TIFF and WebP layouts, or any format
    /// whose pixel type declares alpha. JPEG and PBM never do. <see cref="Load(string, ImageLoadOptions?)"/> keeps an alpha plane when this is
    /// <see langword="true"/> and, for the "may carry" cases (GIF, 32-bit layouts, palettes), at least one pixel of the
    /// first frame is actually transparent.
    /// </summary>
    /// <param name="info">The header information from <c>Image.Identify</c> (or a decoded image's metadata with its format).</param>
    /// <param name="format">The file format (from <c>Image.Identify</c> or <c>Image.DetectFormat</c>).</param>
    /// <returns><see langword="true"/> when the file may contain non-opaque pixels.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    internal static bool HasAlpha(IImageInfo info, IImageFormat format)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(format);
        return ClassifyAlpha(info, format) != AlphaKind.None;
    }

    internal static AlphaKind ClassifyAlpha(IImageInfo info, IImageFormat format)
    {
        var metadata = info.Metadata;
        switch (format)
        {
            case PngFormat:
                var png = metadata.GetPngMetadata();
                if (png.ColorType is PngColorType.RgbWithAlpha or PngColorType.GrayscaleWithAlpha) return AlphaKind.Declared;
                if (png.HasTransparency) return AlphaKind.Declared;
                return png.ColorType == PngColorType.Palette ? AlphaKind.Possible : AlphaKind.None;
            case JpegFormat:
                return AlphaKind.None;
            case GifFormat:
                return AlphaKind.Possible;
            case TgaFormat:
                return metadata.GetTgaMetadata().AlphaChannelBits > 0 ? AlphaKind.Declared : AlphaKind.None;
        }

        var pixelType = info.PixelType;
        if (pixelType is null) return AlphaKind.Possible;
        if (pixelType.AlphaRepresentation is { } representation)
        {
            return representation == PixelAlphaRepresentation.None ? AlphaKind.None : AlphaKind.Declared;
        }

        return pixelType.BitsPerPixel is 32 or 64 ? AlphaKind.Possible : AlphaKind.None;
    }

    private static LoadedImage Finish(
        Image<Rgba32> decoded, IImageInfo info, IImageFormat format, string fullPath, int frameCount, List<string> warnings, ILogger? logger)
    {
        // Only the first frame is ever decoded (see CreateConfiguration); drop any others defensively.
        while (decoded.Frames.Count > 1) decoded.Frames.RemoveFrame(decoded.Frames.Count - 1);

        ushort orientation = ReadOrientation(decoded.Metadata) ?? ReadOrientation(info.Metadata) ?? 1;
        bool oriented = false;
        if (orientation is >= 2 and <= 8)
        {
            decoded.Mutate(x => x.AutoOrient());
            oriented = true;
        }
        else if (orientation != 1)
        {
            warnings.Add($"invalid EXIF orientation value {orientation} ignored");
            orientation = 1;
        }

        var alphaKind = ClassifyAlpha(info, format);
        bool keepAlpha = alphaKind == AlphaKind.Declared
            || (alphaKind == AlphaKind.Possible && ImageTensor.AnyTransparentPixel(decoded));

        Image<Rgb24> rgb;
        Image<L8>? alpha = null;
        if (keepAlpha)
        {
            (rgb, alpha) = ImageTensor.SplitAlpha(decoded);
        }
        else
        {
            rgb = decoded.CloneAs<Rgb24>();
        }

        string pixelType = DescribePixelType(info, format);
        if (logger is not null)
        {
            foreach (var warning in warnings) LogWarning(logger, fullPath, warning, null);
            LogLoaded(logger, fullPath, rgb.Width, rgb.Height, pixelType, null);
        }

        return new LoadedImage(
            fullPath, rgb, alpha, format.Name, pixelType, info.PixelType?.BitsPerPixel ?? 0,
            orientation, oriented, frameCount, warnings.AsReadOnly());
    }

    /// <summary>The size <see cref="Load(string, ImageLoadOptions?)"/> gives an image of header <paramref name="info"/>: width and height swapped when its EXIF orientation turns it a quarter.</summary>
    internal static (int Width, int Height) UprightSize(IImageInfo info) =>
        ReadOrientation(info.Metadata) is >= 5 and <= 8 ? (info.Height, info.Width) : (info.Width, info.Height);

    private static ushort? ReadOrientation(ImageMetadata metadata)
    {
        var value = metadata.ExifProfile?.GetValue(ExifTag.Orientation);
        return value?.Value;
    }

    private static string DescribePixelType(IImageInfo info, IImageFormat format)
    {
        int bits = info.PixelType?.BitsPerPixel ?? 0;
        var metadata = info.Metadata;
        return format switch
        {
            PngFormat => DescribePng(metadata.GetPngMetadata()),
            JpegFormat => metadata.GetJpegMetadata().ColorType is { } jpegColor ? $"JPEG {jpegColor}" : "JPEG",
            GifFormat => $"GIF palette, {bits} bits per pixel",
            BmpFormat => $"BMP {(int)metadata.GetBmpMetadata().BitsPerPixel} bits per pixel",
            TgaFormat => $"TGA {(int)metadata.GetTgaMetadata().BitsPerPixel} bits per pixel",
            _ => $"{format.Name}, {bits} bits per pixel",
        };

        static string DescribePng(PngMetadata png)
        {
            string color = png.ColorType?.ToString() ?? "unknown colour type";
            return png.BitDepth is { } depth ? $"PNG {color}, {(int)depth} bits per sample" : $"PNG {color}";
        }
    }

    private static StructureReport CheckStructure(Stream stream, IImageFormat format, string fullPath)
    {
        try
        {
            stream.Position = 0;
            return format switch
            {
                PngFormat => FileStructureCheck.Png(stream),
                JpegFormat => FileStructureCheck.Jpeg(stream),
                GifFormat => FileStructureCheck.Gif(stream),
                _ => new StructureReport(null, null, 1),
            };
        }
        catch (IOException ex)
        {
            throw new ImageLoadException($"'{fullPath}' could not be read: {ex.Message}", ex);
        }
    }

    /// <summary>Everything a decoder may throw on a bad file, i.e. all but cancellation (which is not a file problem).</summary>
    private static bool IsDecoderFailure(Exception ex) => ex is not OperationCanceledException;

    private static Configuration CreateConfiguration()
    {
        // A configuration of our own: Configuration.Default.Clone() shares its ImageFormatsManager with the global
        // default, so changing decoders on a clone would change them for the whole process.
        var configuration = new Configuration(
            new PngConfigurationModule(),
            new JpegConfigurationModule(),
            new GifConfigurationModule(),
            new BmpConfigurationModule(),
            new PbmConfigurationModule(),
            new TgaConfigurationModule(),
            new TiffConfigurationModule(),
            new WebpConfigurationModule());
        configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
        configuration.ImageFormatsManager.SetDecoder(TiffFormat.Instance, new TiffDecoder { DecodingMode = FrameDecodingMode.First });
        return configuration;
    }
}
