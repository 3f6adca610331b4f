using System.Text.Json;
using System.Text.Json.Serialization;
using DeepDream.Imaging;
using DeepDream.Sequences.Media;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Sequences.Jobs;

/// <summary>
/// A resumable sequence job: a folder holding one PNG per finished frame (<see cref="FrameFolder.FrameName"/>), each
/// written atomically as soon as it is made, and a small manifest (<see cref="ManifestName"/>: kind, input identity,
/// settings, frames done). Opening the folder again with the same description continues after the last finished frame;
/// a different description refuses to mix frames. While open, the job holds a lock so two runs cannot share it. Killing
/// the process at any instant loses at most the frame in progress: a frame file is complete once it exists, and frames
/// the manifest does not list yet are adopted from their files (the manifest's per-frame records, seed and seconds, are
/// brought up to date at most every 15 seconds and when the job is closed, so a long job does not rewrite a growing
/// manifest after every frame).
/// </summary>
public sealed class SequenceJob : IDisposable
{
    /// <summary>The manifest's file name.</summary>
    public const string ManifestName = "deepdream-job.json";

    /// <summary>The manifest of a batch of single dreams (the CLI's folder dreams), which shares the folder lock.</summary>
    internal const string BatchManifestName = "deepdream-batch.json";

    private const string Format = "deepdream-sequence-job";
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly TimeSpan ManifestInterval = TimeSpan.FromSeconds(15);

    private readonly List<JobFrame> _frames;
    private readonly System.Diagnostics.Stopwatch _sinceManifest = new();
    private bool _manifestBehind;
    // Fastest deflate and one filter for every row: about 40 % faster than the adaptive choice per row, for files ~2 % larger.
    private readonly PngEncoder _png = new() { CompressionLevel = PngCompressionLevel.BestSpeed, FilterMethod = PngFilterMethod.Sub };
    private FileStream? _lock;
    private readonly bool _createdFolder;

    private SequenceJob(string folder, JobDescription description, List<JobFrame> frames, FileStream lockFile, bool createdFolder)
    {
        _createdFolder = createdFolder;
        Folder = folder;
        Description = description;
        _frames = frames;
        _lock = lockFile;
    }

    /// <summary>The job folder.</summary>
    public string Folder { get; }

    /// <summary>What the frames depend on.</summary>
    public JobDescription Description { get; }

    /// <summary>Frames finished so far: frames 0 .. <see cref="FramesDone"/> − 1 are on disk.</summary>
    public int FramesDone => _frames.Count;

    /// <summary>
    /// Why a frame the folder held was not taken as finished (it does not load: truncated, damaged, not a regular file),
    /// or null. That frame and the ones after it are made again.
    /// </summary>
    public string? RejectedFrame { get; private set; }

    /// <summary>The finished frames, in order.</summary>
    public IReadOnlyList<JobFrame> Frames => _frames;

    /// <summary>The path of frame <paramref name="index"/>.</summary>
    /// <param name="index">0-based frame index.</param>
    /// <returns>The path.</returns>
    public string FramePath(int index) => Path.Combine(Folder, FrameFolder.FrameName(index));

    /// <summary>Reads the description stored in a job folder, if it holds a job (to reuse its seed, for example).</summary>
    /// <param name="folder">The folder.</param>
    /// <returns>The stored description, or null when there is no readable manifest.</returns>
    public static JobDescription? ReadDescription(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        return ReadManifest(Path.Combine(Path.GetFullPath(folder), ManifestName), out _) is { } manifest ? manifest.ToDescription() : null;
    }

    /// <summary>Opens (creating it if needed) the job folder for <paramref name="description"/>.</summary>
    /// <param name="folder">The folder; created when missing.</param>
    /// <param name="description">What the frames depend on.</param>
    /// <param name="restart">Discard the frames of an existing job (made with any settings) and start over.</param>
    /// <returns>The open job; dispose it to release the lock (a folder this call created is removed again when the job is
    /// disposed without a finished frame). Finished frames that do not load are made again (see <see cref="RejectedFrame"/>).</returns>
    /// <exception cref="SequenceJobMismatchException">The folder holds a job with another description (and not <paramref name="restart"/>).</exception>
    /// <exception cref="FrameSinkException">The folder cannot be created or written, holds frames without a readable manifest
    /// (missing, damaged, or not a regular file), its lock file is a symbolic link, or it is in use by another run.</exception>
    public static SequenceJob Open(string folder, JobDescription description, bool restart = false) => Open(folder, description, restart, frameSize: null);

    /// <summary>
    /// <see cref="Open(string, JobDescription, bool)"/> for frames of a known size: a finished frame of another size (a
    /// frame replaced by hand) is made again, with the frames after it, like one that does not load.
    /// </summary>
    internal static SequenceJob Open(string folder, JobDescription description, bool restart, (int Width, int Height)? frameSize)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(description);
        var full = Path.GetFullPath(folder);
        var created = !Directory.Exists(full);
        try
        {
            Directory.CreateDirectory(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new FrameSinkException($"Cannot create or write the frame folder '{full}': {e.Message}", e);
        }
        var lockPath = Path.Combine(full, FolderLock.Name);
        var lockExisted = File.Exists(lockPath) || SourceFiles.IsLink(lockPath);
        var lockFile = FolderLock.Take(full);
        try
        {
            if (File.Exists(Path.Combine(full, BatchManifestName)))
            {
                // Another kind of job's folder: its images are not frames, and a restart must not mix the two.
                throw new FrameSinkException(
                    $"The folder '{full}' is the output of a batch of dreams ({BatchManifestName}); choose another output for the frames.");
            }
            var manifestPath = Path.Combine(full, ManifestName);
            var manifest = ReadManifest(manifestPath, out var damage);
            List<JobFrame> frames = [];
            string? rejected = null;
            if (manifest is not null)
            {
                var differences = description.DifferencesFrom(manifest.ToDescription());
                if (differences.Count > 0 && !restart)
                {
                    var done = FrameFiles(full).Count(); // the files, not the records: a killed run's manifest may lag behind
                    throw new SequenceJobMismatchException(
                        $"The frame folder '{full}' holds {done} frame(s) made with other settings ({string.Join("; ", differences)}); start over to discard them, or choose another output.");
                }
                if (differences.Count == 0 && !restart) frames = FinishedPrefix(full, manifest, frameSize, out rejected);
            }
            else if (!restart && FrameFiles(full).Select(f => Path.GetFileName(f.Path)).Order(StringComparer.Ordinal).FirstOrDefault() is { } first)
            {
                // Any frame file counts, not only the first: a job without a manifest would delete them all.
                var manifestState = damage is null ? $"no {ManifestName}" : $"its {ManifestName} is damaged ({damage})";
                throw new FrameSinkException(
                    $"The folder '{full}' holds frames ({first} ...) but {manifestState}, so they may not belong to this job; start over to replace them, or choose another output.");
            }
            // Only now that the folder is this job's: a refused run leaves it as it was.
            RemoveLeftovers(full);
            var job = new SequenceJob(full, description, frames, lockFile, created) { RejectedFrame = rejected };
            // Frames past the finished prefix (after a missing or rejected one, or all of them on a restart) are made again.
            job.DeleteFramesFrom(frames.Count);
            job.WriteManifest();
            return job;
        }
        catch
        {
            // A refused or failed open leaves the folder as it found it: no lock file, no folder it made.
            lockFile.Dispose();
            if (!lockExisted) AtomicFile.TryDelete(lockPath);
            if (created) RemoveIfEmpty(full);
            throw;
        }
    }

    /// <summary>Loads a finished frame.</summary>
    /// <param name="index">0-based index below <see cref="FramesDone"/>.</param>
    /// <returns>The frame (owned by the caller).</returns>
    /// <exception cref="ImageLoadException">The frame file cannot be read.</exception>
    public Image<Rgb24> LoadFrame(int index)
    {
        if (index < 0 || index >= FramesDone) throw new ArgumentOutOfRangeException(nameof(index), index, $"Only frames 0..{FramesDone - 1} are finished.");
        using var loaded = ImageLoader.Load(FramePath(index));
        return loaded.Rgb.Clone();
    }

    /// <summary>Writes the next frame (atomically) and records it in the manifest.</summary>
    /// <param name="frame">The frame, whose index must be <see cref="FramesDone"/>.</param>
    /// <exception cref="ArgumentException">The frame is not the next one.</exception>
    /// <exception cref="FrameSinkException">The frame or the manifest cannot be written.</exception>
    public void Commit(SequenceFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ObjectDisposedException.ThrowIf(_lock is null, this);
        if (frame.Index != FramesDone) throw new ArgumentException($"Frame {frame.Index} cannot follow {FramesDone} finished frame(s).", nameof(frame));
        var path = FramePath(frame.Index);
        try
        {
            AtomicFile.Write(path, stream => frame.Image.Save(stream, _png));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FrameSinkException($"Cannot write the frame '{path}': {e.Message}", e);
        }
        _frames.Add(new JobFrame(frame.Index, frame.Seed, (frame.ReadTime + frame.PrepareTime + frame.DreamTime).TotalSeconds));
        if (_sinceManifest.Elapsed >= ManifestInterval) WriteManifest();
        else _manifestBehind = true;
    }

    /// <summary>Deletes the job's frames, its manifest and the folder when nothing else is left in it.</summary>
    public void Delete()
    {
        _manifestBehind = false;
        DeleteFramesFrom(0);
        Dispose();
        RemoveJobFiles();
    }

    /// <summary>
    /// Brings the manifest up to date and releases the job's lock (the frames and the manifest stay). A job folder that
    /// <see cref="Open(string, JobDescription, bool)"/> created and that got no finished frame is removed again, so an early failure leaves nothing.
    /// </summary>
    public void Dispose()
    {
        var removeEmpty = _createdFolder && _lock is not null && _frames.Count == 0;
        if (_manifestBehind && _lock is not null)
        {
            try
            {
                WriteManifest();
            }
            catch (FrameSinkException)
            {
                // Closing after another failure (a full disk, say): the frames on disk are still adopted on resume.
            }
        }
        _lock?.Dispose();
        _lock = null;
        if (removeEmpty) RemoveJobFiles();
    }

    /// <summary>Removes the manifest and the lock (once released), then the folder when nothing else is left in it.</summary>
    private void RemoveJobFiles()
    {
        AtomicFile.TryDelete(Path.Combine(Folder, ManifestName));
        AtomicFile.TryDelete(Path.Combine(Folder, FolderLock.Name));
        RemoveIfEmpty(Folder);
    }

    private static void RemoveIfEmpty(string folder)
    {
        try
        {
            if (!Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private void DeleteFramesFrom(int index)
    {
        foreach (var (file, number) in FrameFiles(Folder).ToList())
        {
            if (number >= index) AtomicFile.TryDelete(file);
        }
    }

    /// <summary>The files in <paramref name="folder"/> named exactly as a sequence names its frames, with their 0-based index.</summary>
    private static IEnumerable<(string Path, int Index)> FrameFiles(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder, "frame-*.png"))
        {
            if (FrameIndexOf(Path.GetFileName(file)) is { } index) yield return (file, index);
        }
    }

    /// <summary>The 0-based index of a file named exactly as a sequence names its frames (<c>frame-000001.png</c>: 0), or null.</summary>
    private static int? FrameIndexOf(string name) =>
        name.Length > 10 && name.StartsWith("frame-", StringComparison.Ordinal) && name.EndsWith(".png", StringComparison.Ordinal)
        && int.TryParse(name.AsSpan(6, name.Length - 10), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
        && number >= 1 && name == FrameFolder.FrameName(number - 1)
            ? number - 1
            : null;

    /// <summary>
    /// The name of the entry <paramref name="path"/> reaches in a job folder <paramref name="folder"/> that a job there may
    /// replace or delete (a frame file, the manifest, the lock, a leftover temporary file of one of them), or null. Both the path
    /// as written (its folders' links followed) and the file it finally names (every link followed) are checked, so another
    /// spelling or a symbolic link to such a file is seen too.
    /// </summary>
    internal static string? OwnedEntry(string folder, string path)
    {
        var full = Path.GetFullPath(path);
        var parent = Path.GetDirectoryName(full);
        var asWritten = parent is null ? full : Path.Combine(SourceFiles.Resolve(parent), Path.GetFileName(full));
        foreach (var entry in new[] { asWritten, SourceFiles.Resolve(full) })
        {
            var name = Path.GetFileName(entry);
            var owned = FrameIndexOf(name) is not null || name is ManifestName or FolderLock.Name || IsLeftover(name);
            if (owned && Path.GetDirectoryName(entry) is { } holder && SourceFiles.SameLocation(holder, folder)) return name;
        }
        return null;
    }

    /// <summary>
    /// Writes the manifest. Frames adopted from their files after a kill have no seed or time on record: they are left out
    /// of the frame records (every record has all its fields) and adopted again on the next open.
    /// </summary>
    private void WriteManifest()
    {
        var records = _frames.Where(f => f.Seed is not null && f.Seconds is not null).Select(f => (StoredFrame?)new StoredFrame(f.Index, f.Seed, f.Seconds)).ToList();
        var manifest = new Manifest(Format, 1, Description.Kind, Description.Input, new SortedDictionary<string, string>(Description.Settings.ToDictionary(), StringComparer.Ordinal), FramesDone, records);
        var path = Path.Combine(Folder, ManifestName);
        try
        {
            AtomicFile.Write(path, stream => JsonSerializer.Serialize(stream, manifest, JsonOptions));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FrameSinkException($"Cannot write the job manifest '{path}': {e.Message}", e);
        }
        _sinceManifest.Restart();
        _manifestBehind = false;
    }

    /// <summary>
    /// The frames whose files are present and pass the image checks, up to the first missing or failing one. A frame file
    /// is complete once it exists (it is renamed into place), so one written just before a kill that left no manifest
    /// record is kept too (its timing unknown); one that does not load (cut off by a full disk, damaged, replaced by a
    /// FIFO) or is not <paramref name="frameSize"/> (replaced by hand) ends the prefix and is made again, with
    /// <paramref name="rejected"/> saying why.
    /// </summary>
    private static List<JobFrame> FinishedPrefix(string folder, Manifest manifest, (int Width, int Height)? frameSize, out string? rejected)
    {
        rejected = null;
        var recorded = (manifest.Frames ?? []).ToDictionary(f => f!.Index!.Value, f => new JobFrame(f!.Index!.Value, f.Seed, f.Seconds));
        var frames = new List<JobFrame>();
        while (File.Exists(Path.Combine(folder, FrameFolder.FrameName(frames.Count))))
        {
            var name = FrameFolder.FrameName(frames.Count);
            if (FrameProblem(Path.Combine(folder, name), frameSize) is { } problem)
            {
                rejected = $"{name} {problem}; it is made again";
                break;
            }
            frames.Add(recorded.GetValueOrDefault(frames.Count) ?? new JobFrame(frames.Count, null, null));
        }
        return frames;
    }

    /// <summary>
    /// What is wrong with a frame file (<c>does not load (…)</c> by the loader's checks short of decoding, or <c>is WxH …</c>
    /// when it is not <paramref name="frameSize"/>), or null.
    /// </summary>
    private static string? FrameProblem(string path, (int Width, int Height)? frameSize)
    {
        if (SourceFiles.NotRegularFile(path) is { } why) return $"does not load ({why})";
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            var (info, _, _) = ImageLoader.Inspect(stream, path, new ImageLoadOptions(), []);
            return frameSize is { } size && (info.Width, info.Height) != size
                ? $"is {info.Width}x{info.Height}, not the {size.Width}x{size.Height} of this job's frames"
                : null;
        }
        catch (Exception e) when (e is ImageLoadException or IOException or UnauthorizedAccessException)
        {
            return $"does not load ({FirstSentence(e.Message)})"; // the reason, without the loader's advice for images of one's own
        }
    }

    /// <summary>The first sentence of <paramref name="message"/>, without its period; a period inside parentheses (a decoder's own message) does not end it.</summary>
    private static string FirstSentence(string message)
    {
        var depth = 0;
        for (var i = 0; i < message.Length - 1; i++)
        {
            if (message[i] == '(') depth++;
            else if (message[i] == ')') depth = Math.Max(0, depth - 1);
            else if (depth == 0 && message[i] == '.' && message[i + 1] == ' ') return message[..i];
        }
        return message.TrimEnd('.');
    }

    /// <summary>
    /// Removes temporary files a killed run left behind: those of the job's own files only (<c>.frame-000001.png.RANDOM.tmp</c>,
    /// <c>.deepdream-job.json.RANDOM.tmp</c>, exactly as <see cref="AtomicFile"/> names them), never another <c>.*.tmp</c>.
    /// </summary>
    private static void RemoveLeftovers(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder, ".*.tmp").Where(f => IsLeftover(Path.GetFileName(f))).ToList()) AtomicFile.TryDelete(file);
    }

    /// <summary>Whether <paramref name="name"/> is the temporary name of a frame file or of the manifest.</summary>
    private static bool IsLeftover(string name) =>
        AtomicFile.TargetOfTemporary(name) is { } target && (target == ManifestName || FrameIndexOf(target) is not null);

    /// <summary>
    /// The manifest at <paramref name="path"/>, or null: missing (<paramref name="damage"/> null), or unusable
    /// (<paramref name="damage"/> says why: not a regular file — a FIFO is never opened —, not JSON, not a job manifest,
    /// empty frame records or ones missing a field, repeated frame records).
    /// </summary>
    private static Manifest? ReadManifest(string path, out string? damage)
    {
        damage = null;
        if (!File.Exists(path)) return null;
        damage = SourceFiles.NotRegularFile(path);
        if (damage is not null) return null;
        Manifest? manifest;
        try
        {
            using var stream = File.OpenRead(path);
            manifest = JsonSerializer.Deserialize<Manifest>(stream, JsonOptions);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            damage = e is JsonException ? "not valid JSON" : e.Message;
            return null;
        }
        if (manifest is not { Format: Format, Kind: not null, Input: not null, Settings: not null })
            damage = "not a job manifest";
        else if (manifest.Frames is { } frames && frames.Any(f => f is null))
            damage = "it has empty frame records";
        else if (manifest.Frames?.Select((f, i) => MissingField(f!) is { } field ? $"frame record {i + 1} has no {field}" : null).FirstOrDefault(m => m is not null) is { } missing)
            damage = missing;
        else if (manifest.Frames is { } records && (records.Any(f => f!.Index < 0) || records.Select(f => f!.Index).Distinct().Count() != records.Count))
            damage = "its frame records repeat or have negative indices";
        return damage is null ? manifest : null;
    }

    /// <summary>The first field a frame record lacks (every record is written with all of them), or null.</summary>
    private static string? MissingField(StoredFrame frame) =>
        frame.Index is null ? "index" : frame.Seed is null ? "seed" : frame.Seconds is null ? "seconds" : null;

    private sealed record Manifest(string Format, int Version, string Kind, string Input, SortedDictionary<string, string> Settings, int FramesDone, List<StoredFrame?>? Frames)
    {
        public JobDescription ToDescription() => new(Kind, Input, Settings);
    }

    /// <summary>A frame record as stored: fields nullable, so a record missing one is told apart from a zero.</summary>
    private sealed record StoredFrame(int? Index, int? Seed, double? Seconds);
}
