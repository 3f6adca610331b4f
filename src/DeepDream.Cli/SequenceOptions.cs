using System.CommandLine;
using System.Globalization;
using DeepDream.Performance;
using DeepDream.Sequences.Jobs;
using DeepDream.Sequences.Media;

namespace DeepDream.Cli;

/// <summary>Where a sequence goes: a video file (ffmpeg), an animated GIF, or a folder of numbered frames.</summary>
internal enum SequenceOutputKind
{
    /// <summary>A folder of numbered PNG frames (which is also the job folder).</summary>
    Folder,

    /// <summary>An animated GIF.</summary>
    Gif,

    /// <summary>An MP4 or WebM file, encoded by ffmpeg.</summary>
    Video,
}

/// <summary>The validated options every sequence command shares.</summary>
internal sealed record SequenceOptionValues(string Output, SequenceOutputKind OutputKind, FrameRate? FrameRate, bool Restart, bool KeepFrames, string? FfmpegPath)
{
    /// <summary>Where the frames and the manifest go: the output folder itself, or <c>OUTPUT.frames</c> beside a file output.</summary>
    public string JobFolder => OutputKind == SequenceOutputKind.Folder ? Output : Output + ".frames";
}

/// <summary>
/// The options of the sequence commands (<c>zoom</c>, <c>video</c>): <c>-o --fps --restart --keep-frames --ffmpeg</c>, with
/// the output kind decided by the extension.
/// </summary>
internal sealed class SequenceOptions
{
    public Option<string> Output { get; } = new Option<string>("--output", "-o")
    {
        Description = "Where to write: a .mp4 or .webm video (needs ffmpeg), a .gif, or a folder of numbered PNG frames.",
        Required = true,
        HelpName = "OUTPUT",
    }.RefusingEmpty();

    public Option<string?> Fps { get; } = new("--fps") { Description = "Frames per second of the output (zoom default 24; video default the input's).", HelpName = "F" };

    public Option<bool> Restart { get; } = new("--restart") { Description = "Discard the frames of an earlier run of this output and start over." };

    public Option<bool> KeepFrames { get; } = new("--keep-frames") { Description = "Keep the frame folder (OUTPUT.frames) after writing a video or GIF." };

    public Option<string?> Ffmpeg { get; } = new Option<string?>("--ffmpeg") { Description = "The ffmpeg program (or its folder); default: $DEEPDREAM_FFMPEG, else PATH.", HelpName = "PATH" }.RefusingEmpty();

    public IEnumerable<Option> All => [Fps, Restart, KeepFrames, Ffmpeg];

    /// <summary>Validates the options; throws <see cref="UsageException"/>.</summary>
    public SequenceOptionValues Read(ParseResult result)
    {
        var output = Path.TrimEndingDirectorySeparator(Path.GetFullPath(result.GetRequiredValue(Output))); // out/ names the folder out
        var extension = Path.GetExtension(output).ToLowerInvariant();
        var kind = extension switch
        {
            ".mp4" or ".webm" => SequenceOutputKind.Video,
            ".gif" => SequenceOutputKind.Gif,
            "" => SequenceOutputKind.Folder,
            _ when Directory.Exists(output) => SequenceOutputKind.Folder,
            _ => throw new UsageException($"Cannot tell what to write from the extension '{extension}' of '{result.GetRequiredValue(Output)}'; use .mp4, .webm, .gif, or a folder name without an extension."),
        };
        FrameRate? rate = null;
        if (result.GetValue(Fps) is { } fps)
        {
            if (!FrameRate.TryParse(fps, out var parsed)) throw new UsageException($"--fps expects frames per second from 0.001 to 1000 (or a fraction N/D up to 1000), such as 24 or 30000/1001, got '{fps}'.");
            rate = parsed;
        }
        return new SequenceOptionValues(output, kind, rate, result.GetValue(Restart), result.GetValue(KeepFrames), result.GetValue(Ffmpeg));
    }

    /// <summary>
    /// The settings a sequence's frames depend on, for the job manifest: every dream option but the output switches,
    /// plus the seed and the command's own settings.
    /// </summary>
    public static Dictionary<string, string> JobSettings(DreamOptionValues dream, int seed, IReadOnlyDictionary<string, string> own)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in typeof(DreamOptionValues).GetProperties())
        {
            if (property.Name is nameof(DreamOptionValues.Json) or nameof(DreamOptionValues.Quiet) or nameof(DreamOptionValues.Verbose) or nameof(DreamOptionValues.Seed)) continue;
            settings[ToKebab(property.Name)] = Format(property.GetValue(dream));
        }
        // The words the options take, so a refused resume reads "precision: fp32 → bf16" and "tile-size: automatic → 64".
        settings["tile-size"] = dream.TileSize?.ToString(CultureInfo.InvariantCulture) ?? "automatic";
        settings["precision"] = dream.Precision.ShortName();
        settings["model"] = dream.Model.Description + (dream.Model.Preprocessing is { } p ? " " + p : "") + (dream.Model.ResizeFixed ? " resize-fixed" : "")
            + (dream.Model.SymmetricPads ? " symmetric-pads" : "");
        if (dream.Guide is not null) settings["guide"] = JobDescription.IdentifyFile(dream.Guide);
        settings["seed"] = seed.ToString(CultureInfo.InvariantCulture);
        foreach (var (key, value) in own) settings[key] = value;
        return settings;
    }

    /// <summary>
    /// Jobs made before the settings were written in the options' words stored <c>precision</c> as <c>Float32</c> or
    /// <c>BFloat16</c> and an automatic <c>tile-size</c> as empty text: the same settings, so they resume.
    /// </summary>
    private static readonly Dictionary<(string Key, string Earlier), string> s_earlierWords = new()
    {
        [("precision", "Float32")] = "fp32",
        [("precision", "BFloat16")] = "bf16",
        [("tile-size", "")] = "automatic",
    };

    /// <summary>
    /// <paramref name="description"/> with a setting <paramref name="earlier"/> (the job's stored description, or null)
    /// wrote in the earlier words taken over where it means the same, so the comparison sees no change.
    /// </summary>
    public static JobDescription InEarlierWords(JobDescription description, JobDescription? earlier)
    {
        if (earlier is null) return description;
        var settings = description.Settings.ToDictionary(StringComparer.Ordinal);
        foreach (var ((key, word), meaning) in s_earlierWords)
        {
            if (earlier.Settings.GetValueOrDefault(key) == word && settings.GetValueOrDefault(key) == meaning) settings[key] = word;
        }
        return description with { Settings = settings };
    }

    /// <summary>The seed: --seed, else the one an earlier run of this job used, else a new one.</summary>
    public static int ChooseSeed(DreamOptionValues dream, SequenceOptionValues sequence, CliContext context)
    {
        if (dream.Seed is null && !sequence.Restart && SequenceJob.ReadDescription(sequence.JobFolder)?.Settings.GetValueOrDefault("seed") is { } stored
            && int.TryParse(stored, NumberStyles.Integer, CultureInfo.InvariantCulture, out var earlier))
        {
            return earlier;
        }
        return dream.ChooseSeed(context);
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        string s => s,
        System.Collections.IEnumerable items => string.Join(",", items.Cast<object?>().Select(Format)),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string ToKebab(string name) => string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
