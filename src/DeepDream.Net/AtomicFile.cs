using System.Security.Cryptography;

namespace DeepDream;

/// <summary>
/// Writes files atomically: into a temporary file in the target's folder (<c>.&lt;name&gt;.&lt;random&gt;.tmp</c>),
/// flushed to disk, then moved over the target in one step; on failure the temporary file is deleted and an existing
/// target is left untouched.
/// </summary>
internal static class AtomicFile
{
    private const int RandomLength = 12;
    private const string Suffix = ".tmp";

    /// <summary>A fresh temporary name beside <paramref name="fullPath"/>.</summary>
    public static string TemporaryNameFor(string fullPath) =>
        Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{RandomNumberGenerator.GetHexString(RandomLength, lowercase: true)}{Suffix}");

    /// <summary>
    /// The name of the file whose temporary name <paramref name="fileName"/> is, exactly as <see cref="TemporaryNameFor"/>
    /// makes them (<c>.NAME.</c> twelve lowercase hex digits <c>.tmp</c>), or null for any other name (a user's
    /// <c>.notes.tmp</c>).
    /// </summary>
    public static string? TargetOfTemporary(string fileName)
    {
        var randomStart = fileName.Length - Suffix.Length - RandomLength;
        if (randomStart < 3 || fileName[0] != '.' || fileName[randomStart - 1] != '.' || !fileName.EndsWith(Suffix, StringComparison.Ordinal)) return null;
        foreach (var c in fileName.AsSpan(randomStart, RandomLength))
        {
            if (!char.IsAsciiHexDigitLower(c)) return null;
        }
        return fileName[1..(randomStart - 1)];
    }

    /// <summary>
    /// Writes <paramref name="fullPath"/> with <paramref name="write"/>; exceptions pass through after clean-up. The token
    /// is checked once the new content is complete, just before it replaces the target: a cancel before that point leaves
    /// the target as it was (and no temporary file) and throws <see cref="OperationCanceledException"/>; once the move is
    /// done the write has happened, whatever the token says.
    /// </summary>
    public static void Write(string fullPath, Action<Stream> write, CancellationToken cancellationToken = default)
    {
        var temporary = TemporaryNameFor(fullPath);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            cancellationToken.ThrowIfCancellationRequested();
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Deletes a file if it exists, ignoring failures (for clean-up after another error).</summary>
    public static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the original error is the one worth reporting.
        }
    }
}
