using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DeepDream.Sequences.Jobs;

namespace DeepDream.Cli;

/// <summary>
/// <c>deepdream dream A.jpg B.jpg DIR ... -o FOLDER</c>: many images with one loaded model, in order, each written into
/// the folder as soon as it is done (<c>NAME.ext</c>, the input's format when it can be written, else PNG). A small
/// manifest (<see cref="ManifestName"/>) holds the settings, so a rerun after a kill skips the images already written, and
/// refuses (unless --restart) when the settings changed. A lock file (<see cref="LockName"/>) keeps a second run out of the
/// folder while one writes.
/// </summary>
internal static class BatchDream
{
    public const string ManifestName = "deepdream-batch.json";

    /// <summary>The lock file held while a run writes into the folder.</summary>
    public const string LockName = ".deepdream-batch.lock";

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
        using var folderLock = FolderLock.Take(folder, LockName); // one run at a time: two would mix their settings' images
        var manifestPath = Path.Combine(folder, ManifestName);
        var stored = restart ? null : JobDescription.TryLoad(manifestPath);
        var seed = dream.Seed ?? (stored?.Settings.GetValueOrDefault("seed") is { } s && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var earlier) ? earlier : dream.ChooseSeed(context));
        var description = SequenceOptions.InEarlierWords(new JobDescription("batch", "", SequenceOptions.JobSettings(dream, seed, preparation.Settings)), stored);
        if (stored is not null && description.DifferencesFrom(stored) is { Count: > 0 } differences)
        {
            throw new UsageException(
                $"The folder '{folder}' holds images dreamed with other settings ({string.Join("; ", differences)}); use --restart to dream them again with these settings, or choose another -o folder.");
        }
        try
        {
            description.Save(manifestPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FileAccessException($"Cannot write into the output folder '{folder}': {e.Message}", e);
        }

        var todo = items.Where(i => restart || stored is null || !File.Exists(i.Output)).ToList();
        if (items.Count > todo.Count && !dream.Quiet) context.Error.WriteLine($"resuming: {items.Count - todo.Count} of {items.Count} image(s) already in {folder}");
        var failures = 0;
        var written = 0;
        if (todo.Count > 0)
        {
            using var loaded = LoadedDreamer.Load(dream, context, cancellationToken);
            for (var n = 0; n < todo.Count; n++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (inputPath, outputPath) = todo[n];
                var clock = Stopwatch.StartNew();
                try
                {
                    // A FIFO would block the open and a device never end: refused by what it is, before anything opens it.
                    if (SourceFiles.NotRegularFile(inputPath) is { } why) throw new ImageLoadException($"'{inputPath}' cannot be read as an image: {why}.");
                    using var input = ImageIO.Load(inputPath, cancellationToken);
                    using var prepared = preparation.Prepare(input);
                    using var result = loaded.Dreamer.Dream(prepared.Start(seed), new DreamRunOptions { Seed = seed }, cancellationToken);
                    using var recoloured = preparation.Finish(result.Image, prepared);
                    ImageIO.Save(recoloured ?? result.Image, prepared.Alpha, outputPath);
                    written++;
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
