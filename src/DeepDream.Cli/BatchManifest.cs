using System.Text.Json;
using System.Text.Json.Serialization;
using DeepDream.Sequences.Jobs;

namespace DeepDream.Cli;

/// <summary>
/// A batch folder's manifest (<see cref="BatchDream.ManifestName"/>): the settings every image was dreamed with, and one
/// record per image the batch writes, keyed by its file name in the folder: the identity of the input it was dreamed from
/// (<see cref="JobDescription.IdentifyFile"/>) and whether it is finished. A record is saved before its image is written,
/// so every file the batch may have made is on record: a file of that name without a record is someone else's and is never
/// written over. An image counts as done only when its record is finished, its file is there and its input is unchanged.
/// </summary>
internal sealed class BatchManifest
{
    private const string FileFormat = "deepdream-batch";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly string _path;

    private BatchManifest(string path, IReadOnlyDictionary<string, string> settings, SortedDictionary<string, BatchImage> images, bool older)
    {
        _path = path;
        Settings = settings;
        Images = images;
        FromOlderVersion = older;
    }

    /// <summary>The settings the recorded images were dreamed with.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>The records, by output file name.</summary>
    public SortedDictionary<string, BatchImage> Images { get; }

    /// <summary>
    /// Written by an earlier version, which recorded the settings but no images: every image of the batch present in the
    /// folder is taken as its own, and made again (its input is unknown).
    /// </summary>
    public bool FromOlderVersion { get; }

    /// <summary>A new manifest with no images, at <paramref name="path"/> (saved by <see cref="Save"/>).</summary>
    public static BatchManifest Create(string path, IReadOnlyDictionary<string, string> settings) =>
        new(path, settings, new SortedDictionary<string, BatchImage>(StringComparer.Ordinal), older: false);

    /// <summary>The manifest at <paramref name="path"/>, or null when there is none or it cannot be read.</summary>
    public static BatchManifest? TryLoad(string path)
    {
        try
        {
            if (!File.Exists(path) || SourceFiles.NotRegularFile(path) is not null) return null; // a FIFO would block the open
            using (var stream = File.OpenRead(path))
            {
                if (JsonSerializer.Deserialize<Stored>(stream, JsonOptions) is { Format: FileFormat, Settings: not null } stored)
                {
                    var images = new SortedDictionary<string, BatchImage>(StringComparer.Ordinal);
                    foreach (var (name, image) in stored.Images ?? [])
                    {
                        if (image is not null && IsPlainName(name)) images[name] = image;
                    }
                    return new BatchManifest(path, stored.Settings, images, older: false);
                }
            }
            return JobDescription.TryLoad(path) is { Kind: "batch" } older
                ? new BatchManifest(path, older.Settings, new SortedDictionary<string, BatchImage>(StringComparer.Ordinal), older: true)
                : null;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Writes the manifest atomically.</summary>
    /// <exception cref="FileAccessException">It cannot be written.</exception>
    public void Save()
    {
        var stored = new Stored(FileFormat, 2, "batch", new SortedDictionary<string, string>(Settings.ToDictionary(), StringComparer.Ordinal),
            new SortedDictionary<string, BatchImage?>(Images.ToDictionary(i => i.Key, i => (BatchImage?)i.Value), StringComparer.Ordinal));
        try
        {
            AtomicFile.Write(_path, stream => JsonSerializer.Serialize(stream, stored, JsonOptions));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FileAccessException($"Cannot write the batch manifest '{_path}': {e.Message}", e);
        }
    }

    /// <summary>
    /// An image file name without folders, as the records hold: not hidden (the lock, temporary files), no control
    /// characters, an image extension (not the manifest). A record naming anything else is ignored, never deleted.
    /// </summary>
    private static bool IsPlainName(string name) =>
        name.Length > 0 && name == Path.GetFileName(name) && !name.StartsWith('.') && name.IndexOfAny(['/', '\\']) < 0
        && !name.Any(char.IsControl) && ImageIO.IsSupportedExtension(name);

    private sealed record Stored(string? Format, int Version, string? Kind, SortedDictionary<string, string>? Settings, SortedDictionary<string, BatchImage?>? Images);
}

/// <summary>One image of a batch as recorded.</summary>
/// <param name="Input">The identity of the input it is dreamed from (null when an earlier version made it).</param>
/// <param name="Done">Whether the image was written (false while it is being made).</param>
internal sealed record BatchImage(string? Input, bool Done);
