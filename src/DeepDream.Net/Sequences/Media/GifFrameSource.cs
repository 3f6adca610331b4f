using System.Globalization;
using DeepDream.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Sequences.Media;

/// <summary>
/// The frames of an animated GIF (decoded by ImageSharp, which composes each frame over the previous ones). The GIF is
/// decoded whole when opened, so its frames are held in memory: fine for GIFs, which are small; a GIF of more than
/// <see cref="ImageLoadOptions.DefaultMaxPixels"/> pixels in all (frames × screen) is refused before decoding; use a video
/// file for long inputs. The frame rate is 100 / the mean frame delay (hundredths of a second; 10 fps when the GIF gives none).
/// </summary>
public sealed class GifFrameSource : IFrameSource
{
    private Image<Rgb24>? _image;

    private GifFrameSource(string path, Image<Rgb24> image, FrameRate rate)
    {
        Description = path;
        _image = image;
        FrameRate = rate;
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public int Width => Image.Width;

    /// <inheritdoc />
    public int Height => Image.Height;

    /// <inheritdoc />
    public FrameRate FrameRate { get; }

    /// <inheritdoc />
    public int? FrameCount => Image.Frames.Count;

    /// <inheritdoc />
    public bool HasAudio => false;

    private Image<Rgb24> Image => _image ?? throw new ObjectDisposedException(nameof(GifFrameSource));

    /// <summary>
    /// Decodes a GIF file, after the checks <see cref="ImageLoader"/> applies to any image (header, a screen far larger than
    /// what its data can fill, truncation) and a limit on the whole animation: frames × screen pixels at most
    /// <see cref="ImageLoadOptions.DefaultMaxPixels"/>, since every frame is held in memory.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <returns>The source.</returns>
    /// <exception cref="FrameSourceException">The file is missing, not a regular file, not a GIF, or larger than the limit.</exception>
    /// <exception cref="ImageLoadException">The file fails the image checks (damaged, crafted or truncated).</exception>
    public static GifFrameSource Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FrameSourceException($"The input '{full}' does not exist.");
        if (SourceFiles.NotRegularFile(full) is { } why) throw new FrameSourceException($"The input '{full}' cannot be used as a GIF: {why}.");
        Image<Rgb24> image;
        try
        {
            using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read);
            var (info, format, frames) = ImageLoader.Inspect(stream, full, new ImageLoadOptions(), []);
            if (format is not GifFormat) throw new FrameSourceException($"The input '{full}' is a {format.Name} file, not a GIF.");
            var pixels = (long)frames * info.Width * info.Height;
            if (pixels > ImageLoadOptions.DefaultMaxPixels)
            {
                throw new FrameSourceException(string.Create(CultureInfo.InvariantCulture,
                    $"The GIF '{full}' has {frames} frames of {info.Width}×{info.Height} ({pixels:N0} pixels in all), above the limit of {ImageLoadOptions.DefaultMaxPixels:N0} pixels for a GIF, which is decoded whole; convert it to a video file or a folder of frames."));
            }
            stream.Position = 0;
            image = SixLabors.ImageSharp.Image.Load<Rgb24>(stream, new GifDecoder());
        }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException or ImageFormatException or IOException or NotSupportedException)
        {
            throw new FrameSourceException($"The input '{full}' is not a readable GIF: {e.Message}", e);
        }
        var delays = image.Frames.Cast<ImageFrame>().Select(f => f.Metadata.GetGifMetadata().FrameDelay).Where(d => d > 0).ToList();
        var rate = delays.Count == 0 ? new FrameRate(10) : new FrameRate(100 * delays.Count, delays.Sum());
        return new GifFrameSource(full, image, rate);
    }

    /// <inheritdoc />
    public IEnumerable<Image<Rgb24>> ReadFrames(CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < Image.Frames.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return Image.Frames.CloneFrame(i);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _image?.Dispose();
        _image = null;
    }
}
