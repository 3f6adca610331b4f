using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace DeepDream.Sequences.Jobs;

/// <summary>
/// What a job's frames depend on: its kind, the identity of its input and every setting that changes a frame. Two runs
/// with equal descriptions make the same frames, so a rerun may continue where an earlier one stopped.
/// </summary>
/// <param name="Kind">The kind of sequence, such as <c>zoom</c> or <c>video</c>.</param>
/// <param name="Input">The input's identity (see <see cref="IdentifyFile"/>).</param>
/// <param name="Settings">Setting names and values; compared as text.</param>
public sealed record JobDescription(string Kind, string Input, IReadOnlyDictionary<string, string> Settings)
{
    /// <summary>The differences from <paramref name="other"/> as readable lines (<c>zoom: 1.05 → 1.1</c>), empty when equal.</summary>
    /// <param name="other">The description of the existing job.</param>
    /// <returns>One line per difference.</returns>
    public IReadOnlyList<string> DifferencesFrom(JobDescription other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var lines = new List<string>();
        if (Kind != other.Kind) lines.Add($"kind: {other.Kind} → {Kind}");
        if (Input != other.Input) lines.Add($"input: {other.Input} → {Input}");
        foreach (var key in other.Settings.Keys.Union(Settings.Keys).Order(StringComparer.Ordinal))
        {
            var before = other.Settings.GetValueOrDefault(key);
            var now = Settings.GetValueOrDefault(key);
            if (before != now) lines.Add($"{key}: {before ?? "(none)"} → {now ?? "(none)"}");
        }
        return lines;
    }

    /// <summary>
    /// Writes the description to a small JSON file, atomically: it is written under a temporary name beside
    /// <paramref name="path"/> and renamed into place, so a reader (or a run killed at any instant) never sees half a file.
    /// For resumable work of your own: save it next to the results, and compare it with <see cref="TryLoad"/> on the next run.
    /// </summary>
    /// <param name="path">The file to write (replaced when it exists); its folder must exist.</param>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder or file is not writable.</exception>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var stored = new StoredDescription(FileFormat, 1, Kind, Input, new SortedDictionary<string, string>(Settings.ToDictionary(), StringComparer.Ordinal));
        AtomicFile.Write(Path.GetFullPath(path), stream => JsonSerializer.Serialize(stream, stored, JsonOptions));
    }

    /// <summary>Reads a description written by <see cref="Save"/>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The description, or null when the file is missing, unreadable, not a regular file (a FIFO, device or
    /// socket is not opened) or not a description.</returns>
    public static JobDescription? TryLoad(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            if (!File.Exists(path) || SourceFiles.NotRegularFile(path) is not null) return null; // a FIFO would block the open
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<StoredDescription>(stream, JsonOptions) is { Kind: not null, Input: not null, Settings: not null } d
                && d.Format is null or FileFormat
                ? new JobDescription(d.Kind, d.Input, d.Settings)
                : null;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>A file's identity: its name, length and SHA-256 (so a changed file with the same name is noticed).</summary>
    /// <param name="path">The file.</param>
    /// <returns><c>name (N bytes, sha256 …)</c>.</returns>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="FrameSourceException">The file is empty or not a regular file (a FIFO, device or socket, which would
    /// block or never end; it is not opened), so it has no lasting identity to resume against.</exception>
    public static string IdentifyFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (SourceFiles.NotRegularFile(path) is { } why)
            throw new FrameSourceException($"'{path}' cannot be used as the input of a resumable job: {why}; save it to a file first.");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        return string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(path)} ({stream.Length} bytes, sha256 {hash})");
    }

    /// <summary>A folder of frames' identity: the names, lengths and SHA-256 of its files, in order.</summary>
    /// <param name="files">The frame files.</param>
    /// <returns><c>N frames (sha256 …)</c>.</returns>
    /// <exception cref="IOException">A file cannot be read.</exception>
    public static string IdentifyFiles(IReadOnlyList<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files) hash.AppendData(System.Text.Encoding.UTF8.GetBytes(IdentifyFile(file) + "\n"));
        return string.Create(CultureInfo.InvariantCulture, $"{Diagnostics.Wording.Count(files.Count, "frame")} (sha256 {Convert.ToHexStringLower(hash.GetHashAndReset())})");
    }

    private const string FileFormat = "deepdream-job-description";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
    };

    private sealed record StoredDescription(string? Format, int Version, string? Kind, string? Input, SortedDictionary<string, string>? Settings);
}

/// <summary>A finished frame of a job.</summary>
/// <param name="Index">0-based frame index.</param>
/// <param name="Seed">The seed it was dreamed with (null when a kill left it unrecorded).</param>
/// <param name="Seconds">Seconds it took (reading, preparing and dreaming; null when unrecorded).</param>
public sealed record JobFrame(int Index, int? Seed, double? Seconds);

/// <summary>An existing job was made with other settings or another input: its frames cannot be mixed with new ones.</summary>
public class SequenceJobMismatchException : DeepDreamException
{
    /// <summary>Creates the exception.</summary>
    public SequenceJobMismatchException() { }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public SequenceJobMismatchException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public SequenceJobMismatchException(string message, Exception? innerException) : base(message, innerException) { }
}
