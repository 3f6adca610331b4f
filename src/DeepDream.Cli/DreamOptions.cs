using System.CommandLine;
using System.Security.Cryptography;
using DeepDream.Objectives;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Cli;

/// <summary>
/// The validated dream options shared by every command that dreams (<c>dream</c>, <c>zoom</c>, <c>video</c>): the model,
/// the objective, the octave/step settings and the output switches.
/// </summary>
internal sealed record DreamOptionValues(
    ModelRequest Model,
    IReadOnlyList<LayerTerm> Layers,
    IReadOnlyList<int>? Channels,
    string? Guide,
    int Octaves,
    double OctaveScale,
    int Steps,
    double StepSize,
    int Jitter,
    int? Seed,
    int? TileSize,
    Precision Precision,
    bool Json,
    bool Quiet,
    bool Verbose)
{
    /// <summary>The regularizers, step rule and automatic channel choice (--flip ... --step-rule, --channels strongest:K).</summary>
    public TransformValues Transforms { get; init; } = TransformValues.None;

    /// <summary>The objective the layers, channels and guide describe.</summary>
    public Objective BuildObjective(Image<Rgb24>? guide)
    {
        if (guide is not null) return Objective.Guided(Layers[0].Name, guide);
        if (Channels is not null) return WithWeight(Layers[0].Weight, Objective.Channels(Layers[0].Name, Channels));
        if (Layers.Count == 1) return WithWeight(Layers[0].Weight, Objective.L2(Layers[0].Name));
        return Objective.Sum([.. Layers.Select(l => (l.Weight, Objective.L2(l.Name)))]);
    }

    /// <summary>How progress is shown: nothing with --quiet, a bar on a terminal, else plain lines.</summary>
    public ProgressMode ProgressMode(CliContext context) =>
        Quiet ? Cli.ProgressMode.None : context.ErrorIsTerminal && !Verbose ? Cli.ProgressMode.Bar : Cli.ProgressMode.Lines;

    /// <summary>The --seed, or a new one that is printed on stderr (unless --quiet) so the run can be repeated.</summary>
    public int ChooseSeed(CliContext context)
    {
        if (Seed is { } seed) return seed;
        var chosen = RandomNumberGenerator.GetInt32(int.MaxValue);
        if (!Quiet) context.Error.WriteLine($"seed: {chosen} (pass --seed {chosen} to repeat this run)");
        return chosen;
    }

    private static Objective WithWeight(double weight, Objective objective) => weight == 1.0 ? objective : weight * objective;
}

/// <summary>
/// The dream options as System.CommandLine options, defined once and added to every command that dreams: model options
/// (<see cref="ModelOptions"/>), <c>--layer --channels --guide --octaves --octave-scale --steps --step-size --jitter --seed
/// --tile-size --precision --json --quiet --verbose</c>. <see cref="Read"/> validates them into <see cref="DreamOptionValues"/>, and
/// <see cref="LoadedDreamer.Load"/> turns those into a <see cref="Dreamer"/>.
/// </summary>
internal sealed class DreamOptions
{
    public ModelOptions Model { get; } = new();

    public Option<string[]> Layer { get; } = new("--layer")
    {
        Description = "Layer to dream on (default: the model's default layer, e.g. layer3 for resnet18, inception4c for googlenet); repeat it, or use NAME=WEIGHT, for a weighted sum of layers.",
        HelpName = "NAME[=WEIGHT]",
        Arity = ArgumentArity.OneOrMore,
    };

    public Option<string?> Channels { get; } = new("--channels")
    {
        Description = "Only these channels of the layer, e.g. 0-15,42; or strongest:K, the K channels the layer responds to most in the input image.",
        HelpName = "LIST|strongest:K",
    };

    public Option<string?> Guide { get; } = new Option<string?>("--guide") { Description = "Guided dreaming: pull the layer's features towards those of this image.", HelpName = "IMAGE" }.RefusingEmpty();

    public Option<int> Octaves { get; } = new("--octaves") { Description = "Number of octaves.", DefaultValueFactory = _ => 6, HelpName = "N" };

    public Option<string> OctaveScale { get; } = new("--octave-scale") { Description = "Size ratio between octaves (greater than 1).", DefaultValueFactory = _ => "1.4", HelpName = "S" };

    public Option<int> Steps { get; } = new("--steps") { Description = "Gradient steps per octave.", DefaultValueFactory = _ => 20, HelpName = "N" };

    public Option<string> StepSize { get; } = new("--step-size") { Description = "Mean absolute pixel change per step, in [0,1] pixel units.", DefaultValueFactory = _ => "0.0045", HelpName = "X" };

    public Option<int> Jitter { get; } = new("--jitter") { Description = "Largest random shift per step in pixels; 0 disables.", DefaultValueFactory = _ => 32, HelpName = "PX" };

    public Option<int?> Seed { get; } = new("--seed") { Description = "Seed for a reproducible run; without it one is chosen and printed.", HelpName = "N" };

    public Option<int?> TileSize { get; } = new("--tile-size") { Description = "Largest tile the model sees, 64 to 8192 (default automatic).", HelpName = "PX" };

    public Option<string> Precision { get; } = new("--precision")
    {
        Description = "Number format of the network: fp32, or bf16 (about 0.6x of fp32's time on CPUs with AVX512-BF16 or AMX, less gain on small images, slow where emulated; the image stays float32).",
        DefaultValueFactory = _ => "fp32",
        HelpName = "fp32|bf16",
    };

    /// <summary>The regularizer and step-rule options.</summary>
    public TransformOptions Transforms { get; } = new();

    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON object on stdout when done: paths, sizes, model, settings, seed, timings, octaves." };

    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "No progress output." };

    public Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "Library log output on stderr, and stack traces on errors." };

    /// <summary>The objective and schedule options, in help order (model options come first, the switches last).</summary>
    private IEnumerable<Option> DreamSettingOptions => [Layer, Channels, Guide, Octaves, OctaveScale, Steps, StepSize, Jitter, .. Transforms.All, Seed, TileSize, Precision];

    /// <summary>Adds the model and dream-setting options; <paramref name="commandOptions"/> (the command's own) go between them and the switches.</summary>
    public void AddTo(Command command, params Option[] commandOptions)
    {
        Model.AddTo(command);
        foreach (var option in DreamSettingOptions.Concat(commandOptions).Concat([Json, Quiet, Verbose])) command.Options.Add(option);
    }

    /// <summary>
    /// Sets the command's action: <paramref name="run"/> receives the validated dream options; any exception becomes an
    /// exit code and a one-line message (<see cref="ErrorReporter"/>).
    /// </summary>
    public void SetAction(Command command, CliContext context, Func<ParseResult, DreamOptionValues, CancellationToken, Task<int>> run)
    {
        command.SetAction(async (result, cancellationToken) =>
        {
            var isVerbose = result.GetValue(Verbose);
            try
            {
                return await run(result, Read(result), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return ErrorReporter.Report(e, context.Error, isVerbose, cancellationToken);
            }
        });
    }

    /// <summary>Validates the dream options; throws <see cref="UsageException"/> (exit 2) before anything is loaded.</summary>
    public DreamOptionValues Read(ParseResult result)
    {
        var channels = result.GetValue(Channels);
        var transforms = Transforms.Read(result, channels);
        var values = Validate(
            ModelResolver.Resolve(Model.Read(result)), result.GetValue(Layer), transforms.StrongestChannels is null ? channels : null, result.GetValue(Guide),
            result.GetValue(Octaves), result.GetRequiredValue(OctaveScale), result.GetValue(Steps), result.GetRequiredValue(StepSize),
            result.GetValue(Jitter), result.GetValue(Seed), result.GetValue(TileSize), result.GetRequiredValue(Precision), result.GetValue(Json), result.GetValue(Quiet),
            result.GetValue(Verbose));
        if (transforms.StrongestChannels is not null && values.Layers.Count > 1)
            throw new UsageException("--channels strongest:K applies to a single layer, but several --layer values were given; use one --layer with --channels.");
        if (transforms.StrongestChannels is not null && values.Guide is not null)
            throw new UsageException("--guide and --channels cannot be combined; guided dreaming uses all channels of the layer.");
        // The Laplacian rule has its own default step (the notebook's); an explicit --step-size applies to either rule.
        var stepSizeGiven = result.GetResult(StepSize) is { Implicit: false };
        if (transforms.LaplacianLevels > 0 && !stepSizeGiven) values = values with { StepSize = Schedules.LaplacianStepRule.DefaultStepSize };
        return values with { Transforms = transforms };
    }

    /// <summary>Checks every value and combination; throws <see cref="UsageException"/> (exit 2).</summary>
    internal static DreamOptionValues Validate(ModelRequest model, string[]? layers, string? channels, string? guide, int octaves,
        string octaveScale, int steps, string stepSize, int jitter, int? seed, int? tileSize, string precision, bool json, bool quiet, bool verbose)
    {
        if (octaves < 1) throw new UsageException($"--octaves must be at least 1, got {octaves}.");
        var scale = ValueParsers.ParseDouble(octaveScale, "--octave-scale");
        if (!(scale > 1) || scale > 16) throw new UsageException($"--octave-scale must be greater than 1 (and at most 16), got {octaveScale}.");
        if (steps < 1) throw new UsageException($"--steps must be at least 1, got {steps}.");
        var step = ValueParsers.ParseDouble(stepSize, "--step-size");
        if (!(step > 0) || step > 1) throw new UsageException($"--step-size must be in (0, 1] (pixel units of [0,1] images; default 0.0045), got {stepSize}.");
        if (jitter < 0) throw new UsageException($"--jitter must be 0 (off) or more pixels, got {jitter}.");
        if (tileSize is < Tiling.TileSizing.MinimumSide or > Tiling.TileSizing.MaximumSide)
            throw new UsageException($"--tile-size must be between {Tiling.TileSizing.MinimumSide} and {Tiling.TileSizing.MaximumSide} pixels (a tile needs about 1 KB of memory per pixel), got {tileSize}.");
        var numberFormat = precision.Trim().ToLowerInvariant() switch
        {
            "fp32" or "float32" => DeepDream.Precision.Float32,
            "bf16" or "bfloat16" => DeepDream.Precision.BFloat16,
            _ => throw new UsageException($"--precision must be fp32 or bf16, got '{precision}'."),
        };

        // No --layer: the model's default layer, filled in once the model is loaded (LoadedDreamer).
        IReadOnlyList<LayerTerm> terms = layers is { Length: > 0 } ? ValueParsers.ParseLayers(layers) : [];
        var channelList = channels is null ? null : ValueParsers.ParseChannels(channels);
        if (channelList is not null && terms.Count > 1)
            throw new UsageException("--channels applies to a single layer, but several --layer values were given; use one --layer with --channels.");
        if (guide is not null && terms.Count > 1)
            throw new UsageException("--guide works on a single layer, but several --layer values were given; use one --layer with --guide.");
        if (guide is not null && channelList is not null)
            throw new UsageException("--guide and --channels cannot be combined; guided dreaming uses all channels of the layer.");
        if (guide is not null && terms.Count > 0 && terms[0].Weight != 1.0)
            throw new UsageException("--guide does not take a layer weight; use --layer NAME without =WEIGHT.");

        return new DreamOptionValues(model, terms, channelList, guide, octaves, scale, steps, step, jitter, seed, tileSize, numberFormat, json, quiet, verbose);
    }
}
