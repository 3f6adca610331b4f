using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Sequences.Media;

/// <summary>
/// The frames of an animated GIF (decoded by ImageSharp, which composes each frame over the previous ones). The GIF is
/// decoded whole when opened, so its frames are held in memory: fine for GIFs, which are small; use a video file for long
/// inputs. The frame rate is 100 / the mean frame delay (hundredths of a second; 10 fps when the GIF gives none).
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

    /// <summary>Decodes a GIF file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The source.</returns>
    /// <exception cref="FrameSourceException">The file is missing or not a readable GIF.</exception>
    public static GifFrameSource Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FrameSourceException($"The input '{full}' does not exist.");
        Image<Rgb24> image;
        try
        {
            image = SixLabors.ImageSharp.Image.Load<Rgb24>(full, new GifDecoder());
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
