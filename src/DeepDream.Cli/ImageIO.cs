using System.Security.Cryptography;
using DeepDream.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Cli;

/// <summary>
/// The one adapter between the CLI and image files, over the library's <see cref="ImageLoader"/> (header checked before
/// decoding, pixel limit, EXIF orientation, first GIF frame, alpha split) and atomic <see cref="ImageWriter"/>. The path
/// <c>-</c> means standard input (read whole, at most <see cref="ImageLoadOptions.DefaultMaxStreamBytes"/>) or, as an
/// output, a PNG on standard output.
/// </summary>
internal static class ImageIO
{
    /// <summary>The path that stands for standard input or standard output.</summary>
    public const string StandardStream = "-";

    /// <summary>Larger inputs are refused before decoding.</summary>
    public const long MaxPixels = ImageLoadOptions.DefaultMaxPixels;

    /// <summary>The output extensions, with the dot.</summary>
    public static IReadOnlyList<string> SupportedExtensions => ImageWriter.SupportedExtensions;

    /// <summary>Whether <paramref name="path"/>'s extension names a format the tool can write.</summary>
    public static bool IsSupportedExtension(string path) => ImageWriter.IsSupportedExtension(path);

    /// <summary>
    /// Loads an image as RGB plus alpha (when it has any), with load warnings. Reading may block (a FIFO waits for its
    /// writer, standard input for its data), so it runs aside and a cancel (Ctrl-C) ends the wait at once.
    /// </summary>
    /// <exception cref="ImageLoadException">The file is missing, not an image, damaged, or too large.</exception>
    /// <exception cref="OperationCanceledException">Cancelled while waiting for the data.</exception>
    public static LoadedImage Load(string path, CancellationToken cancellationToken = default)
    {
        var options = new ImageLoadOptions { MaxPixels = MaxPixels };
        Func<LoadedImage> load = path == StandardStream
            ? () => ImageLoader.Load(Console.OpenStandardInput(), "standard input", options)
            : () => ImageLoader.Load(path, options);
        return Interruptible.RunDisposable(load, cancellationToken);
    }

    /// <summary>The path as reports show it: the full path, or <c>-</c> for standard input/output.</summary>
    public static string FullPath(string path) => path == StandardStream ? StandardStream : Path.GetFullPath(path);

    /// <summary>
    /// Writes the image (with <paramref name="alpha"/> where the format keeps it) atomically, or as a PNG to standard
    /// output for <c>-</c>. A cancel before the new file replaces the old one leaves the old one and throws
    /// <see cref="OperationCanceledException"/>; once written, the save stands.
    /// </summary>
    /// <exception cref="FileAccessException">The file cannot be written.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before anything was replaced.</exception>
    public static void Save(Image<Rgb24> image, Image<L8>? alpha, string path, CancellationToken cancellationToken = default)
    {
        try
        {
            if (path == StandardStream)
            {
                using var stdout = Console.OpenStandardOutput();
                ImageWriter.Save(image, alpha, stdout, ".png");
                return;
            }
            ImageWriter.Save(image, alpha, path, cancellationToken);
        }
        catch (ImageSaveException e)
        {
            throw new FileAccessException(e.Message, e);
        }
    }

    /// <summary>
    /// Checks, before any work, that a file can be created in <paramref name="folder"/>: a probe file is created and
    /// deleted. Permissions, read-only mounts and full disks then fail in seconds, not after the whole dream.
    /// </summary>
    /// <exception cref="FileAccessException">The folder is not writable.</exception>
    public static void CheckWritable(string folder, string what)
    {
        var probe = Path.Combine(folder, $".deepdream-write-test.{RandomNumberGenerator.GetHexString(12, lowercase: true)}.tmp");
        try
        {
            using var stream = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
            stream.WriteByte(0);
            stream.Flush(flushToDisk: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new FileAccessException($"The {what} '{folder}' is not writable ({e.Message}); choose another location.", e);
        }
    }
}
