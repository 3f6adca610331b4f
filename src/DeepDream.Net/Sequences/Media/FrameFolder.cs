using System.Globalization;
using System.Text.RegularExpressions;
using DeepDream.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Sequences.Media;

/// <summary>
/// A folder of numbered frames (<c>frame-000001.png</c>, <c>0001.jpg</c>, <c>img_7.png</c> ...) as a frame source: one
/// name pattern (a common prefix, a number, one extension), numbers consecutive. Other files are ignored. This is also
/// the format the sequences write (<see cref="FrameName"/>).
/// </summary>
public sealed partial class FrameFolder : IFrameSource
{
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"];
    private readonly IReadOnlyList<string> _files;

    private FrameFolder(string folder, IReadOnlyList<string> files, int width, int height, FrameRate rate)
    {
        Description = folder;
        _files = files;
        Width = width;
        Height = height;
        FrameRate = rate;
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public int Width { get; }

    /// <inheritdoc />
    public int Height { get; }

    /// <inheritdoc />
    public FrameRate FrameRate { get; }

    /// <inheritdoc />
    public int? FrameCount => _files.Count;

    /// <inheritdoc />
    public bool HasAudio => false;

    /// <summary>The frame files in order.</summary>
    public IReadOnlyList<string> Files => _files;

    /// <summary>The file name of frame <paramref name="index"/> as the sequences write it: <c>frame-000001.png</c> for index 0.</summary>
    /// <param name="index">0-based frame index.</param>
    /// <returns>The file name.</returns>
    public static string FrameName(int index) => string.Create(CultureInfo.InvariantCulture, $"frame-{index + 1:D6}.png");

    /// <summary>Opens a folder of numbered frames.</summary>
    /// <param name="folder">The folder.</param>
    /// <param name="rate">The frame rate to report (a folder has none of its own).</param>
    /// <returns>The source.</returns>
    /// <exception cref="FrameSourceException">The folder is missing, holds no numbered frames, mixes name patterns, has a gap,
    /// a frame that is empty or not a regular file (a FIFO, socket or device, also through a symbolic link), or frames of
    /// different sizes (every frame's header is read here).</exception>
    /// <exception cref="ImageLoadException">The first frame cannot be read, or another frame's header fails the loader's
    /// checks (damaged, truncated).</exception>
    public static FrameFolder Open(string folder, FrameRate rate)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(full)) throw new FrameSourceException($"The frame folder '{full}' does not exist.");
        var numbered = Directory.EnumerateFiles(full)
            .Select(path => (path, match: NumberedName().Match(Path.GetFileName(path))))
            .Where(f => f.match.Success && ImageExtensions.Contains(f.match.Groups["ext"].Value, StringComparer.OrdinalIgnoreCase))
            .Select(f => (f.path, pattern: f.match.Groups["prefix"].Value + "#" + f.match.Groups["ext"].Value.ToLowerInvariant(),
                number: long.Parse(f.match.Groups["number"].Value, CultureInfo.InvariantCulture)))
            .ToList();
        if (numbered.Count == 0)
            throw new FrameSourceException($"The folder '{full}' holds no numbered frames (such as frame-000001.png or 0001.jpg); it cannot be used as a video.");
        var patterns = numbered.GroupBy(f => f.pattern).ToList();
        if (patterns.Count > 1)
        {
            var names = string.Join(", ", patterns.Select(g => Path.GetFileName(g.OrderBy(f => f.number).First().path)));
            throw new FrameSourceException($"The frame folder '{full}' mixes several numbered series ({names}); keep one series of frames in the folder.");
        }
        var ordered = numbered.OrderBy(f => f.number).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            if (ordered[i].number == ordered[i - 1].number)
                throw new FrameSourceException($"The frame folder '{full}' has two frames numbered {ordered[i].number} ({Path.GetFileName(ordered[i - 1].path)}, {Path.GetFileName(ordered[i].path)}).");
            if (ordered[i].number != ordered[i - 1].number + 1)
            {
                throw new FrameSourceException(string.Create(CultureInfo.InvariantCulture,
                    $"The frame folder '{full}' has a gap: no frame numbered {ordered[i - 1].number + 1} between {Path.GetFileName(ordered[i - 1].path)} and {Path.GetFileName(ordered[i].path)}; renumber the frames or supply the missing one."));
            }
        }
        var files = ordered.Select(f => f.path).ToList();
        foreach (var file in files)
        {
            // A FIFO waits for a writer and /dev/zero never ends: refused by what they are, before anything opens them.
            if (SourceFiles.NotRegularFile(file) is { } why) throw new FrameSourceException($"The frame '{file}' cannot be used: {why}; frames must be image files.");
        }
        int width, height;
        using (var first = ImageLoader.Load(files[0])) (width, height) = (first.Rgb.Width, first.Rgb.Height);
        foreach (var file in files.Skip(1))
        {
            // Headers only: a damaged frame or one of another size is refused now, not when the sequence reaches it.
            var (frameWidth, frameHeight) = HeaderSize(file);
            if ((frameWidth, frameHeight) != (width, height))
                throw new FrameSourceException($"The frame '{file}' is {frameWidth}x{frameHeight} but the first frame is {width}x{height}; all frames of a folder must have one size.");
        }
        return new FrameFolder(full, files, width, height, rate);
    }

    /// <summary>The upright size of the image <paramref name="file"/> from its header, after the loader's checks short of decoding.</summary>
    /// <exception cref="ImageLoadException">The file is not a readable image (damaged, truncated, too large).</exception>
    private static (int Width, int Height) HeaderSize(string file)
    {
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read);
            var (info, _, _) = ImageLoader.Inspect(stream, file, new ImageLoadOptions(), []);
            return ImageLoader.UprightSize(info);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageLoadException($"'{file}' cannot be read: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public IEnumerable<Image<Rgb24>> ReadFrames(CancellationToken cancellationToken = default)
    {
        foreach (var file in _files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Image<Rgb24> frame;
            using (var loaded = ImageLoader.Load(file))
            {
                if (loaded.Rgb.Width != Width || loaded.Rgb.Height != Height)
                {
                    throw new FrameSourceException(
                        $"The frame '{file}' is {loaded.Rgb.Width}x{loaded.Rgb.Height} but the first frame is {Width}x{Height}; all frames of a folder must have one size.");
                }
                frame = loaded.Rgb.Clone();
            }
            yield return frame;
        }
    }

    /// <inheritdoc />
    public void Dispose() { }

    [GeneratedRegex(@"^(?<prefix>.*?)(?<number>\d{1,9})(?<ext>\.[A-Za-z]+)$")]
    private static partial Regex NumberedName();
}
