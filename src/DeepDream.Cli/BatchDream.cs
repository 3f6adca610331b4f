using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DeepDream.Sequences.Jobs;

namespace DeepDream.Cli;

/// <summary>
/// <c>deepdream dream A.jpg B.jpg DIR ... -o FOLDER</c>: many images with one loaded model, in order, each written into
/// the folder as soon as it is done (<c>NAME.ext</c>, the input's format when it can be written, else PNG). A small
/// manifest (<see cref="BatchManifest"/>) holds the settings and a record per image, so a rerun after a kill skips the images
/// already written (and makes again one whose input changed), and refuses (unless --restart) when the settings changed. A
/// file the batch did not make is never written over. The lock every job takes (<see cref="FolderLock.Name"/>) keeps a second run
/// of any kind out of the folder while one writes.
/// </summary>
internal static class BatchDream
{
    public const string ManifestName = DeepDream.Sequences.Jobs.SequenceJob.BatchManifestName;

    /// <summary>Several inputs, or one folder.</summary>
    public static bool IsBatch(string[] inputs) => inputs.Length > 1 || Directory.Exists(inputs[0]);

    public static Task<int> RunAsync(string[] inputs, string outputFolder, DreamOptionValues dream, InputValues preparation, bool restart, CliContext context,
        CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var folder = Path.GetFullPath(outputFolder);
        if (File.Exists(folder) || ImageIO.IsSupportedExtension(folder))
            throw new UsageException($"Several inputs are written into a folder, but -o '{outputFolder}' names a file; give a folder such as -o dreams.");
        var items = Plan(inputs, folder, dream.Guide);
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new FileAccessException($"Cannot create the output folder '{folder}': {e.Message}", e);
        }
        ImageIO.CheckWritable(folder, "output folder");
        using var folderLock = FolderLock.Take(folder); // one run at a time, of any kind: two would mix their images
        if (File.Exists(Path.Combine(folder, SequenceJob.ManifestName)))
            throw new FileAccessException($"The folder '{folder}' holds the frames of a zoom or video job ({SequenceJob.ManifestName}); choose another -o folder.");
        RemoveLeftovers(folder, items);
        var manifestPath = Path.Combine(folder, ManifestName);
        var stored = BatchManifest.TryLoad(manifestPath);
        var seed = dream.Seed ?? (!restart && stored?.Settings.GetValueOrDefault("seed") is { } s && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var earlier) ? earlier : dream.ChooseSeed(context));
        var storedDescription = stored is null ? null : new JobDescription("batch", "", stored.Settings);
        var description = SequenceOptions.InEarlierWords(new JobDescription("batch", "", SequenceOptions.JobSettings(dream, seed, preparation.Settings)), restart ? null : storedDescription);
        var differences = storedDescription is null ? [] : description.DifferencesFrom(storedDescription);
        // A manifest without images (a run that stopped before its first image, e.g. on a misspelt layer) protects nothing.
        var holdsImages = stored is not null && (stored.FromOlderVersion ? items.Any(i => Occupied(i.Output)) : stored.Images.Count > 0);
        if (!restart && differences.Count > 0 && holdsImages)
        {
            throw new UsageException(
                $"The folder '{folder}' holds images dreamed with other settings ({string.Join("; ", differences)}); use --restart to dream them again with these settings, or choose another -o folder.");
        }
        RefuseOthersFiles(folder, items, stored);
        if (restart && stored is { FromOlderVersion: false }) RefuseRemovingWhatIsRead(folder, stored.Images.Keys, items, dream.Guide);
        var manifest = Adopt(folder, items, stored, description, restart, manifestPath);

        var todo = items.Where(i => !IsDone(i, manifest, context, dream.Quiet)).ToList();
        if (items.Count > todo.Count && !dream.Quiet) context.Error.WriteLine($"resuming: {items.Count - todo.Count} of {items.Count} image(s) already in {folder}");
        var failures = 0;
        var written = 0;
        if (todo.Count > 0)
        {
            using var loaded = LoadedDreamer.Load(dream, context, cancellationToken);
            try
            {
                for (var n = 0; n < todo.Count; n++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var (inputPath, outputPath) = todo[n];
                    var name = Path.GetFileName(outputPath);
                    var clock = Stopwatch.StartNew();
                    try
                    {
                        // A FIFO would block the open and a device never end: refused by what it is, before anything opens it.
                        if (SourceFiles.NotRegularFile(inputPath) is { } why) throw new ImageLoadException($"'{inputPath}' cannot be read as an image: {why}.");
                        using var input = ImageIO.Load(inputPath, cancellationToken);
                        var identity = InputIdentity(inputPath);
                        // On record before the file is written: a kill between the two leaves a file the next run knows as its own.
                        manifest.Images[name] = new BatchImage(identity, Done: false);
                        manifest.Save();
                        using var prepared = preparation.Prepare(input);
                        using var result = loaded.Dreamer.Dream(prepared.Start(seed), new DreamRunOptions { Seed = seed }, cancellationToken);
                        using var recoloured = preparation.Finish(result.Image, prepared);
                        ImageIO.Save(recoloured ?? result.Image, prepared.Alpha, outputPath);
                        written++;
                        manifest.Images[name] = new BatchImage(identity, Done: true);
                        manifest.Save();
                        if (!dream.Quiet)
                            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{n + 1}/{todo.Count}] wrote {outputPath} in {clock.Elapsed.TotalSeconds:0.0} s"));
                    }
                    catch (Exception e) when (e is ImageLoadException or ImageTooSmallException)
                    {
                        failures++;
                        context.Error.WriteLine($"error: {e.Message} (skipped; the other images go on)");
                    }
                }
            }
            catch (OperationCanceledException cause) when (written > 0)
            {
                throw SequenceStoppedException.ForBatch(written, folder, cause);
            }
        }
        if (!dream.Quiet)
            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"dreamed {written} image(s) into {folder} in {total.Elapsed.TotalSeconds:0.0} s{(failures > 0 ? $"; {failures} failed" : "")}"));
        if (dream.Json)
        {
            context.Out.WriteLine(JsonSerializer.Serialize(new { output = folder, seed, images = items.Count, written, skipped = items.Count - todo.Count, failed = failures, totalSeconds = total.Elapsed.TotalSeconds },
                new JsonSerializerOptions { WriteIndented = true }));
            context.Out.Flush();
        }
        return Task.FromResult(failures > 0 ? ExitCodes.File : ExitCodes.Success);
    }

    /// <summary>The identity of an input (see <see cref="JobDescription.IdentifyFile"/>), its read errors as image load errors.</summary>
    private static string InputIdentity(string inputPath)
    {
        try
        {
            return JobDescription.IdentifyFile(inputPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Sequences.FrameSourceException)
        {
            throw new ImageLoadException($"'{inputPath}' cannot be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// Refuses (before anything changes) when an image of the batch would replace a file the batch did not make: one of that
    /// name with no record in the folder's manifest (an earlier version's manifest recorded none; its folder's files are taken as its own).
    /// </summary>
    private static void RefuseOthersFiles(string folder, List<(string Input, string Output)> items, BatchManifest? stored)
    {
        if (stored is { FromOlderVersion: true }) return;
        var others = items.Select(i => i.Output).Where(o => Occupied(o) && stored?.Images.ContainsKey(Path.GetFileName(o)) != true).ToList();
        if (others.Count == 0) return;
        var more = others.Count > 1 ? string.Create(CultureInfo.InvariantCulture, $" and {others.Count - 1} more") : "";
        throw new FileAccessException(
            $"The folder '{folder}' already holds '{Path.GetFileName(others[0])}'{more}, which this batch did not make and would write over; move those files away or choose another -o folder.");
    }

    /// <summary>Whether something (a file, a folder, a link, even a broken one) is at <paramref name="path"/>.</summary>
    private static bool Occupied(string path) => File.Exists(path) || Directory.Exists(path) || SourceFiles.IsLink(path);

    /// <summary>
    /// Refuses a --restart that would remove an earlier image this run reads: an input (through a link) or the --guide
    /// image, which the batch's own checks only compare with this run's outputs.
    /// </summary>
    private static void RefuseRemovingWhatIsRead(string folder, IEnumerable<string> earlier, List<(string Input, string Output)> items, string? guide)
    {
        var read = new Dictionary<string, string>(SourceFiles.PathComparer);
        foreach (var (input, _) in items) read.TryAdd(SourceFiles.Resolve(input), input);
        if (guide is not null && File.Exists(guide)) read.TryAdd(SourceFiles.Resolve(guide), guide);
        foreach (var name in earlier)
        {
            var path = Path.Combine(folder, name);
            if (read.GetValueOrDefault(SourceFiles.Resolve(path)) is { } used)
            {
                var what = used == guide ? "the --guide image" : "the input";
                throw new UsageException(
                    $"{char.ToUpperInvariant(what[0])}{what[1..]} '{used}' is the earlier image '{path}', which --restart removes; copy it out of '{folder}' first.");
            }
        }
    }

    /// <summary>
    /// The manifest this run records into, saved. On --restart the images the earlier manifest recorded are removed first,
    /// so an interrupted restart never leaves old images that count as done. An earlier version's images present in the
    /// folder are put on record as its own, to be made again.
    /// </summary>
    private static BatchManifest Adopt(string folder, List<(string Input, string Output)> items, BatchManifest? stored, JobDescription description,
        bool restart, string manifestPath)
    {
        var manifest = BatchManifest.Create(manifestPath, description.Settings);
        var earlier = stored?.FromOlderVersion == true
            ? items.Select(i => Path.GetFileName(i.Output)).Where(n => Occupied(Path.Combine(folder, n))).ToDictionary(n => n, _ => new BatchImage(null, false))
            : stored?.Images.ToDictionary() ?? [];
        if (restart)
        {
            foreach (var name in earlier.Keys) AtomicFile.TryDelete(Path.Combine(folder, name));
            var left = earlier.Keys.FirstOrDefault(n => File.Exists(Path.Combine(folder, n)));
            if (left is not null) throw new FileAccessException($"Cannot remove the earlier image '{Path.Combine(folder, left)}' to start over; check its permissions.");
        }
        else
        {
            foreach (var (name, image) in earlier) manifest.Images[name] = image;
        }
        manifest.Save();
        return manifest;
    }

    /// <summary>
    /// Whether an image is done: finished on record, its file there and its input unchanged (a changed input is noted and
    /// its image made again).
    /// </summary>
    private static bool IsDone((string Input, string Output) item, BatchManifest manifest, CliContext context, bool quiet)
    {
        if (manifest.Images.GetValueOrDefault(Path.GetFileName(item.Output)) is not { Done: true, Input: { } recorded } || !File.Exists(item.Output)) return false;
        string now;
        try
        {
            now = JobDescription.IdentifyFile(item.Input);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Sequences.FrameSourceException)
        {
            return false; // reading it again reports why
        }
        if (now == recorded) return true;
        if (!quiet) context.Error.WriteLine($"note: '{item.Input}' changed since {item.Output} was dreamed from it; dreaming it again");
        return false;
    }

    /// <summary>
    /// Removes the temporary files a killed run of this batch left behind: exactly <c>.NAME.RANDOM.tmp</c> for its images'
    /// and manifest's names (see <see cref="AtomicFile"/>), nothing else.
    /// </summary>
    private static void RemoveLeftovers(string folder, List<(string Input, string Output)> items)
    {
        var names = items.Select(i => Path.GetFileName(i.Output)).Append(ManifestName).ToHashSet(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(folder, ".*.tmp"))
        {
            if (AtomicFile.TargetOfTemporary(Path.GetFileName(file)) is { } target && names.Contains(target)) AtomicFile.TryDelete(file);
        }
    }

    /// <summary>
    /// The inputs in order (a folder's images sorted by name) with their output paths; two inputs may not share an output
    /// name, and no output may replace an input or the <paramref name="guide"/> image.
    /// </summary>
    internal static List<(string Input, string Output)> Plan(string[] inputs, string folder, string? guide = null)
    {
        var files = new List<string>();
        foreach (var input in inputs)
        {
            var full = Path.GetFullPath(input);
            if (Directory.Exists(full))
            {
                files.AddRange(Directory.EnumerateFiles(full).Where(f => ImageIO.IsSupportedExtension(f) && !Path.GetFileName(f).StartsWith('.'))
                    .Order(StringComparer.Ordinal));
            }
            else if (File.Exists(full))
            {
                files.Add(full);
            }
            else
            {
                throw new FileAccessException($"The input '{input}' does not exist; check the path.");
            }
        }
        if (files.Count == 0) throw new FileAccessException($"No images found in {string.Join(", ", inputs)}; give image files or folders holding .png/.jpg/... images.");
        // Every file the batch writes is checked against every input, links followed: an image written early must not
        // replace a later input (one reached through a link) or the --guide image, nor the manifest an input named like it.
        var read = new Dictionary<string, string>(SourceFiles.PathComparer);
        foreach (var file in files) read.TryAdd(SourceFiles.Resolve(file), file);
        var guideAt = guide is not null && File.Exists(guide) ? SourceFiles.Resolve(guide) : null;
        if (read.GetValueOrDefault(SourceFiles.Resolve(Path.Combine(folder, ManifestName))) is { } named)
            throw new UsageException($"The input '{named}' is the batch's {ManifestName} in '{folder}', which the batch writes; choose another -o folder.");
        var plan = new List<(string, string)>();
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in files)
        {
            var extension = ImageIO.IsSupportedExtension(file) ? Path.GetExtension(file) : ".png";
            var output = Path.Combine(folder, Path.GetFileNameWithoutExtension(file) + extension);
            var target = SourceFiles.Resolve(output);
            if (read.GetValueOrDefault(target) is { } replaced)
            {
                throw new UsageException(replaced == file
                    ? $"Writing '{output}' would replace its input; choose another -o folder."
                    : $"Writing '{output}' would replace the input '{replaced}'; choose another -o folder.");
            }
            if (guideAt is not null && SourceFiles.PathComparer.Equals(target, guideAt))
                throw new UsageException($"Writing '{output}' would replace the --guide image '{guide}'; choose another -o folder.");
            if (!seen.TryAdd(output, file)) throw new UsageException($"'{seen[output]}' and '{file}' would both be written to '{output}'; rename one of them.");
            plan.Add((file, output));
        }
        return plan;
    }
}
