using System.CommandLine;
using System.Diagnostics;
using System.Security.Cryptography;
using DeepDream.Objectives;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Cli;

/// <summary>The validated arguments of <c>deepdream dream</c>.</summary>
internal sealed record DreamArguments(
    string Input,
    string Output,
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
    string? SaveOctaves,
    bool Json,
    bool Quiet,
    bool Verbose)
{
    /// <summary>The objective the layers, channels and guide describe.</summary>
    public Objective BuildObjective(Image<Rgb24>? guide)
    {
        if (guide is not null) return Objective.Guided(Layers[0].Name, guide);
        if (Channels is not null) return WithWeight(Layers[0].Weight, Objective.Channels(Layers[0].Name, Channels));
        if (Layers.Count == 1) return WithWeight(Layers[0].Weight, Objective.L2(Layers[0].Name));
        return Objective.Sum([.. Layers.Select(l => (l.Weight, Objective.L2(l.Name)))]);
    }

    private static Objective WithWeight(double weight, Objective objective) => weight == 1.0 ? objective : weight * objective;
}

/// <summary><c>deepdream dream INPUT -o OUTPUT [options]</c>.</summary>
internal static class DreamCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("INPUT") { Description = "The image to dream on." };
        var output = new Option<string>("--output", "-o")
        {
            Description = "Where to write the result; the format follows the extension (" + string.Join(", ", ImageIO.SupportedExtensions) + ").",
            Required = true,
            HelpName = "OUTPUT",
        };
        var model = new ModelOptions();
        var layer = new Option<string[]>("--layer")
        {
            Description = "Layer to dream on (default: the model's default layer, e.g. layer3 for resnet18, inception4c for googlenet); repeat it, or use NAME=WEIGHT, for a weighted sum of layers.",
            HelpName = "NAME[=WEIGHT]",
            Arity = ArgumentArity.OneOrMore,
        };
        var channels = new Option<string?>("--channels") { Description = "Only these channels of the layer, e.g. 0-15,42.", HelpName = "LIST" };
        var guide = new Option<string?>("--guide") { Description = "Guided dreaming: pull the layer's features towards those of this image.", HelpName = "IMAGE" };
        var octaves = new Option<int>("--octaves") { Description = "Number of octaves.", DefaultValueFactory = _ => 6, HelpName = "N" };
        var octaveScale = new Option<string>("--octave-scale") { Description = "Size ratio between octaves (greater than 1).", DefaultValueFactory = _ => "1.4", HelpName = "S" };
        var steps = new Option<int>("--steps") { Description = "Gradient steps per octave.", DefaultValueFactory = _ => 20, HelpName = "N" };
        var stepSize = new Option<string>("--step-size") { Description = "Mean absolute pixel change per step, in [0,1] pixel units.", DefaultValueFactory = _ => "0.0045", HelpName = "X" };
        var jitter = new Option<int>("--jitter") { Description = "Largest random shift per step in pixels; 0 disables.", DefaultValueFactory = _ => 32, HelpName = "PX" };
        var seed = new Option<int?>("--seed") { Description = "Seed for a reproducible run; without it one is chosen and printed.", HelpName = "N" };
        var tileSize = new Option<int?>("--tile-size") { Description = "Largest tile the model sees, at least 64 (default automatic).", HelpName = "PX" };
        var saveOctaves = new Option<string?>("--save-octaves") { Description = "Also write the image after each octave (octave-1.png, ...) into this folder.", HelpName = "DIR" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout when done: paths, sizes, model, settings, seed, timings, octaves." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress output." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Library log output on stderr, and stack traces on errors." };

        var command = new Command("dream", "Dream on an image and write the result.");
        command.Arguments.Add(input);
        command.Options.Add(output);
        model.AddTo(command);
        foreach (var option in new Option[] { layer, channels, guide, octaves, octaveScale, steps, stepSize, jitter, seed, tileSize, saveOctaves, json, quiet, verbose })
            command.Options.Add(option);

        command.SetAction(async (result, cancellationToken) =>
        {
            var isVerbose = result.GetValue(verbose);
            try
            {
                var arguments = Validate(
                    result.GetRequiredValue(input), result.GetRequiredValue(output), ModelResolver.Resolve(model.Read(result)),
                    result.GetValue(layer), result.GetValue(channels), result.GetValue(guide), result.GetValue(octaves),
                    result.GetRequiredValue(octaveScale), result.GetValue(steps), result.GetRequiredValue(stepSize), result.GetValue(jitter),
                    result.GetValue(seed), result.GetValue(tileSize), result.GetValue(saveOctaves), result.GetValue(json),
                    result.GetValue(quiet), isVerbose);
                return await DreamRunner.RunAsync(arguments, context, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return ErrorReporter.Report(e, context.Error, isVerbose, cancellationToken);
            }
        });
        return command;
    }

    /// <summary>Checks every value and combination; throws <see cref="UsageException"/> (exit 2) before anything is loaded.</summary>
    internal static DreamArguments Validate(string input, string output, ModelRequest model, string[]? layers, string? channels,
        string? guide, int octaves, string octaveScale, int steps, string stepSize, int jitter, int? seed, int? tileSize,
        string? saveOctaves, bool json, bool quiet, bool verbose)
    {
        if (!ImageIO.IsSupportedExtension(output))
        {
            var ext = Path.GetExtension(output);
            throw new UsageException($"Cannot tell the output format of '{output}' from its extension{(ext.Length > 0 ? $" '{ext}'" : "")}; use one of {string.Join(", ", ImageIO.SupportedExtensions)}.");
        }
        if (octaves < 1) throw new UsageException($"--octaves must be at least 1, got {octaves}.");
        var scale = ValueParsers.ParseDouble(octaveScale, "--octave-scale");
        if (!(scale > 1) || scale > 16) throw new UsageException($"--octave-scale must be greater than 1 (and at most 16), got {octaveScale}.");
        if (steps < 1) throw new UsageException($"--steps must be at least 1, got {steps}.");
        var step = ValueParsers.ParseDouble(stepSize, "--step-size");
        if (!(step > 0) || step > 1) throw new UsageException($"--step-size must be in (0, 1] (pixel units of [0,1] images; default 0.0045), got {stepSize}.");
        if (jitter < 0) throw new UsageException($"--jitter must be 0 (off) or more pixels, got {jitter}.");
        if (tileSize is < 64) throw new UsageException($"--tile-size must be at least 64 pixels, got {tileSize}.");

        // No --layer: the model's default layer, filled in once the model is loaded.
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

        return new DreamArguments(input, output, model, terms, channelList, guide, octaves, scale, steps, step, jitter, seed, tileSize,
            saveOctaves, json, quiet, verbose);
    }
}

/// <summary>Runs a validated dream: load, build, dream, write, report.</summary>
internal static class DreamRunner
{
    public static Task<int> RunAsync(DreamArguments args, CliContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        var total = Stopwatch.StartNew();
        var output = Path.GetFullPath(args.Output);
        CheckOutputLocation(output);
        string? octaveFolder = null;
        if (args.SaveOctaves is not null) octaveFolder = CreateFolder(args.SaveOctaves);

        using var input = ImageIO.Load(args.Input);
        using var guide = args.Guide is null ? null : ImageIO.Load(args.Guide);
        if (!args.Quiet)
        {
            foreach (var warning in input.Warnings.Concat(guide?.Warnings ?? [])) context.Error.WriteLine("warning: " + warning);
        }
        cancellationToken.ThrowIfCancellationRequested();

        using var loggerFactory = args.Verbose ? CreateLoggerFactory() : null;
        var loadClock = Stopwatch.StartNew();
        var model = ModelResolver.Load(args.Model, context.ModelFactory);
        Dreamer dreamer;
        try
        {
            if (args.Layers.Count == 0) args = args with { Layers = [new LayerTerm(LayerHints.DefaultLayerOf(model, args.Model), 1.0)] };
            var builder = new DreamBuilder().UseModel(model)
                .Octaves(args.Octaves).OctaveScale(args.OctaveScale).Steps(args.Steps).StepSize(args.StepSize).Jitter(args.Jitter)
                .UseObjective(args.BuildObjective(guide?.Rgb));
            if (args.TileSize is { } tile) builder.TileSize(tile);
            if (loggerFactory is not null) builder.UseLoggerFactory(loggerFactory);
            dreamer = builder.Build();
        }
        catch (Exception e)
        {
            model.Dispose();
            if (e is ArgumentException argument) throw LayerHints.ForRejectedSetup(argument, args.Model);
            throw;
        }
        var loadSeconds = loadClock.Elapsed.TotalSeconds;

        using (dreamer)
        {
            var seed = args.Seed ?? RandomNumberGenerator.GetInt32(int.MaxValue);
            if (args.Seed is null && !args.Quiet) context.Error.WriteLine($"seed: {seed} (pass --seed {seed} to repeat this run)");

            var mode = args.Quiet ? ProgressMode.None : context.ErrorIsTerminal && !args.Verbose ? ProgressMode.Bar : ProgressMode.Lines;
            var progress = new ProgressReporter(context.Error, mode);
            var options = new DreamRunOptions
            {
                Seed = seed,
                Progress = mode == ProgressMode.None ? null : progress,
                OctaveCompleted = octaveFolder is null ? null
                    : snapshot => ImageIO.Save(snapshot.Image, null, Path.Combine(octaveFolder, $"octave-{snapshot.Index}.png")),
            };
            var dreamClock = Stopwatch.StartNew();
            DreamResult result;
            try
            {
                result = dreamer.Dream(input.Rgb, options, cancellationToken);
            }
            finally
            {
                progress.Finish();
            }
            using (result)
            {
                var dreamSeconds = dreamClock.Elapsed.TotalSeconds;
                cancellationToken.ThrowIfCancellationRequested();
                ImageIO.Save(result.Image, input.Alpha, output);
                var totalSeconds = total.Elapsed.TotalSeconds;
                if (!args.Quiet)
                    context.Error.WriteLine(FormattableString.Invariant($"wrote {args.Output} ({result.Image.Width}x{result.Image.Height}) in {totalSeconds:0.0} s"));
                if (args.Json)
                {
                    var report = DreamReport.Create(args, output, input.Rgb, dreamer, result, octaveFolder, loadSeconds, dreamSeconds, totalSeconds);
                    context.Out.WriteLine(report.ToJson());
                    context.Out.Flush();
                }
            }
        }
        return Task.FromResult(ExitCodes.Success);
    }

    internal static string CleanMessage(Exception e)
    {
        var message = e.Message;
        var suffix = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return suffix >= 0 ? message[..suffix] : message;
    }

    private static void CheckOutputLocation(string output)
    {
        if (Directory.Exists(output)) throw new FileAccessException($"The output '{output}' is a folder; give a file name such as {Path.Combine(output, "dream.png")}.");
        var folder = Path.GetDirectoryName(output);
        if (folder is not null && !Directory.Exists(folder))
            throw new FileAccessException($"The output folder '{folder}' does not exist; create it first or choose another -o path.");
    }

    private static string CreateFolder(string path)
    {
        try
        {
            return Directory.CreateDirectory(path).FullName;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new FileAccessException($"Cannot create the --save-octaves folder '{path}': {e.Message}", e);
        }
    }

    private static ILoggerFactory CreateLoggerFactory() => LoggerFactory.Create(logging => logging
        .SetMinimumLevel(LogLevel.Debug)
        .AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        })
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
}
