using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Cli;

/// <summary>The <c>--json</c> report of a dream run (serialised with camelCase names).</summary>
internal sealed record DreamReport(
    DreamReport.ImageFile Input,
    DreamReport.ImageFile Output,
    DreamReport.ModelInfo Model,
    string Objective,
    IReadOnlyList<DreamReport.LayerWeight> Layers,
    IReadOnlyList<int>? Channels,
    string? Guide,
    DreamReport.SettingsInfo Settings,
    int Seed,
    DreamReport.TimingInfo Timings,
    IReadOnlyList<DreamReport.OctaveInfo> Octaves,
    string? OctavesFolder)
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public sealed record ImageFile(string Path, int Width, int Height);

    public sealed record ModelInfo(string Name, string Source, string? Path, string? Architecture, string Preprocessing, string Device);

    public sealed record LayerWeight(string Name, double Weight);

    public sealed record SettingsInfo(int Octaves, int OctavesRun, double OctaveScale, int Steps, double StepSize, int Jitter, int TileSize, bool TileSizeAutomatic, string Precision);

    public sealed record TimingInfo(double LoadSeconds, double DreamSeconds, double TotalSeconds);

    /// <summary>One octave; <paramref name="Objective"/> is null when the value is not a finite number (JSON has no ±∞ or NaN).</summary>
    public sealed record OctaveInfo(int Index, int Width, int Height, double Seconds, double? Objective);

    public static DreamReport Create(DreamArguments args, string outputPath, Image<Rgb24> input, Dreamer dreamer, DreamResult result,
        string? octavesFolder, double loadSeconds, double dreamSeconds, double totalSeconds)
    {
        var model = dreamer.Model;
        var options = args.Dream;
        var settings = result.Settings;
        return new DreamReport(
            new ImageFile(ImageIO.FullPath(args.Input), input.Width, input.Height),
            new ImageFile(outputPath, result.Image.Width, result.Image.Height),
            new ModelInfo(model.Name, options.Model.Source switch
            {
                ModelSource.Embedded => "embedded",
                ModelSource.Onnx => "onnx",
                _ => "torchvision",
            }, options.Model.Path, options.Model.Architecture, model.Preprocessing.ToString(), model.Device.ToString()),
            result.Objective,
            [.. options.Layers.Select(l => new LayerWeight(l.Name, l.Weight))],
            options.Channels,
            options.Guide is null ? null : Path.GetFullPath(options.Guide),
            new SettingsInfo(settings.Octaves, result.Octaves.Count, settings.OctaveScale, settings.StepsPerOctave, settings.StepSize,
                settings.Jitter, settings.ResolveTileSize(), settings.TileSize is null, settings.Precision == Precision.BFloat16 ? "bf16" : "fp32"),
            result.Seed,
            new TimingInfo(loadSeconds, dreamSeconds, totalSeconds),
            [.. result.Octaves.Select(o => new OctaveInfo(o.Index, o.Size.Width, o.Size.Height, o.Elapsed.TotalSeconds,
                double.IsFinite(o.ObjectiveValue) ? o.ObjectiveValue : null))],
            octavesFolder);
    }

    public string ToJson() => JsonSerializer.Serialize(this, Options);
}
