using SixLabors.ImageSharp;

namespace DeepDream.Imaging;

/// <summary>
/// Where image bytes come from. Regular files are decoded in place (random access, no size limit needed). Pipes, FIFOs,
/// devices (<c>/dev/stdin</c>) and streams can be read only once and may never end, so they are read into memory up to
/// <see cref="ImageLoadOptions.MaxStreamBytes"/>, after their first bytes were checked to start an image at all.
/// </summary>
internal static class ImageInput
{
    /// <summary>How many bytes are read before the format is checked (every supported format identifies itself in fewer).</summary>
    private const int SniffBytes = 64 * 1024;

    /// <summary>Resolves <paramref name="path"/> and checks that it names an existing file.</summary>
    /// <exception cref="ImageLoadException">The path is invalid, a folder, or missing.</exception>
    public static string CheckPath(string path)
    {
        string fullPath;
        try
        {
            fullPath = Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException or System.Security.SecurityException)
        {
            throw new ImageLoadException($"'{path}' is not a valid file path: {ex.Message}", ex);
        }

        if (Directory.Exists(fullPath))
        {
            throw new ImageLoadException($"'{fullPath}' is a folder, not an image file; give the path of an image file.");
        }

        if (!File.Exists(fullPath))
        {
            string? folder = Path.GetDirectoryName(fullPath);
            string why = folder is not null && !Directory.Exists(folder)
                ? $"its folder '{folder}' does not exist either"
                : "no such file in that folder";
            throw new ImageLoadException($"Image file '{fullPath}' does not exist ({why}); check the path.");
        }

        return fullPath;
    }

    /// <summary>
    /// Opens a file for decoding: a regular file as it is; a pipe, FIFO or device (whose size is 0 or unknown) read into
    /// memory. Opening a FIFO waits for a writer, as any reader of a FIFO does.
    /// </summary>
    /// <exception cref="ImageLoadException">The file cannot be opened, is empty, is not an image, or is over the limit.</exception>
    public static Stream OpenFile(string fullPath, ImageLoadOptions options)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            throw new ImageLoadException($"Image file '{fullPath}' cannot be opened: {ex.Message}", ex);
        }

        if (stream.CanSeek && stream.Length > 0) return stream;

        // Size 0: an empty file, or a pipe or device (which report no size): read what it delivers.
        using (stream)
        {
            return ReadStream(stream, fullPath, options, emptyMessage: $"Image file '{fullPath}' is empty (0 bytes); it is not an image.");
        }
    }

    /// <summary>Reads a stream whole into memory, refusing it early when its start is no image and when it exceeds the limit.</summary>
    /// <exception cref="ImageLoadException">The stream is empty, not an image, unreadable, or longer than the limit.</exception>
    public static MemoryStream ReadStream(Stream source, string name, ImageLoadOptions options, string? emptyMessage = null)
    {
        var limit = options.MaxStreamBytes;
        var memory = new MemoryStream();
        var buffer = new byte[SniffBytes];
        try
        {
            int first = source.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            if (first == 0) throw new ImageLoadException(emptyMessage ?? $"'{name}' delivered no data (0 bytes); it is not an image.");
            if (Image.DetectFormat(ImageLoader.DecodeConfiguration, buffer.AsSpan(0, first)) is null)
            {
                throw new ImageLoadException(
                    $"'{name}' is not an image in a supported format: its first bytes match none of PNG, JPEG, GIF, BMP, TIFF, WebP, TGA, PBM.");
            }

            if (first > limit) throw TooLong(name, limit);
            memory.Write(buffer, 0, first);
            int read;
            while ((read = source.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (memory.Length + read > limit) throw TooLong(name, limit);

                memory.Write(buffer, 0, read);
            }
        }
        catch (IOException ex)
        {
            memory.Dispose();
            throw new ImageLoadException($"'{name}' could not be read: {ex.Message}", ex);
        }
        catch
        {
            memory.Dispose();
            throw;
        }

        memory.Position = 0;
        return memory;
    }

    private static ImageLoadException TooLong(string name, long limit) => new(
        $"'{name}' delivered more than {limit} bytes, the limit for images read from a pipe, device or stream (ImageLoadOptions.MaxStreamBytes); save it to a file first.");
}
