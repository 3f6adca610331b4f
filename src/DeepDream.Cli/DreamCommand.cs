using System.CommandLine;
using System.Diagnostics;

namespace DeepDream.Cli;

/// <summary>The validated arguments of <c>deepdream dream</c>.</summary>
internal sealed record DreamArguments(string Input, string Output, DreamOptionValues Dream, string? SaveOctaves)
{
    /// <summary>--image-size, --original-colors and --init.</summary>
    public InputValues Preparation { get; init; } = InputValues.None;
}

/// <summary><c>deepdream dream INPUT -o OUTPUT [options]</c>.</summary>
internal static class DreamCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<string[]>("INPUT")
        {
            Description = "The image to dream on; several images or folders dream each into the -o folder with one loaded model.",
            Arity = ArgumentArity.OneOrMore,
        }.RefusingEmpty();
        var output = new Option<string>("--output", "-o")
        {
            Description = "Where to write the result; the format follows the extension (" + string.Join(", ", ImageIO.SupportedExtensions) + "); a folder for several inputs.",
            Required = true,
            HelpName = "OUTPUT",
        }.RefusingEmpty();
        var saveOctaves = new Option<string?>("--save-octaves") { Description = "Also write the image after each octave (octave-1.png, ...) into this folder.", HelpName = "DIR" }.RefusingEmpty();
        var restart = new Option<bool>("--restart") { Description = "Several inputs: dream every image again, even those an earlier run of this batch finished." };
        var dream = new DreamOptions();
        var preparation = new InputOptions();

        var command = new Command("dream", "Dream on an image and write the result.");
        command.Arguments.Add(input);
        command.Options.Add(output);
        dream.AddTo(command, [.. preparation.All, saveOctaves, restart]);
        dream.SetAction(command, context, (result, options, cancellationToken) =>
        {
            var inputs = result.GetRequiredValue(input);
            var prepare = preparation.Read(result);
            // INPUT takes several values, so an unknown option lands there instead of being a parse error.
            if (inputs.FirstOrDefault(i => i.StartsWith('-') && i != ImageIO.StandardStream && !File.Exists(i) && !Directory.Exists(i)) is { } unknown)
                throw new UsageException($"Unrecognized command or argument '{unknown}'. Run 'deepdream dream --help' for usage.");
            if (BatchDream.IsBatch(inputs))
            {
                if (result.GetValue(saveOctaves) is not null) throw new UsageException("--save-octaves works with one input image; dream the images one at a time to keep their octaves.");
                return BatchDream.RunAsync(inputs, result.GetRequiredValue(output), options, prepare, result.GetValue(restart), context, cancellationToken);
            }
            var arguments = Validate(inputs[0], result.GetRequiredValue(output), options, result.GetValue(saveOctaves)) with { Preparation = prepare };
            return DreamRunner.RunAsync(arguments, context, cancellationToken);
        });
        return command;
    }

    /// <summary>Checks the command's own values; throws <see cref="UsageException"/> (exit 2) before anything is loaded.</summary>
    internal static DreamArguments Validate(string input, string output, DreamOptionValues dream, string? saveOctaves)
    {
        if (output == ImageIO.StandardStream)
        {
            if (dream.Json) throw new UsageException("--json and -o - both write to standard output; write the image to a file, or drop --json.");
            return new DreamArguments(input, output, dream, saveOctaves);
        }
        if (!ImageIO.IsSupportedExtension(output))
        {
            var ext = Path.GetExtension(output);
            throw new UsageException($"Cannot tell the output format of '{output}' from its extension{(ext.Length > 0 ? $" '{ext}'" : "")}; use one of {string.Join(", ", ImageIO.SupportedExtensions)}.");
        }
        return new DreamArguments(input, output, dream, saveOctaves);
    }
}

/// <summary>Runs a validated dream: load, build, dream, write, report.</summary>
internal static class DreamRunner
{
    public static Task<int> RunAsync(DreamArguments args, CliContext context, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var output = ImageIO.FullPath(args.Output);
        if (output != ImageIO.StandardStream) CheckOutputLocation(output);
        string? octaveFolder = null;
        if (args.SaveOctaves is not null)
        {
            octaveFolder = CreateFolder(args.SaveOctaves);
            ImageIO.CheckWritable(octaveFolder, "--save-octaves folder");
        }

        using var input = ImageIO.Load(args.Input, cancellationToken);
        var dream = args.Dream;
        if (!dream.Quiet)
        {
            foreach (var warning in input.Warnings) context.Error.WriteLine("warning: " + warning);
        }
        cancellationToken.ThrowIfCancellationRequested();

        using var prepared = args.Preparation.Prepare(input);
        using var loaded = LoadedDreamer.Load(dream, context, cancellationToken, channelSource: prepared.Original);
        var dreamer = loaded.Dreamer;
        var seed = dream.ChooseSeed(context);
        var mode = dream.ProgressMode(context);
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
            result = dreamer.Dream(prepared.Start(seed), options, cancellationToken);
        }
        finally
        {
            progress.Finish();
        }
        using (result)
        {
            var dreamSeconds = dreamClock.Elapsed.TotalSeconds;
            cancellationToken.ThrowIfCancellationRequested();
            // A cancel during the save either comes before the new file replaces the old one (exit 130, old file kept) or
            // after (exit 0, the new file is complete).
            using (var recoloured = args.Preparation.Finish(result.Image, prepared))
            {
                ImageIO.Save(recoloured ?? result.Image, prepared.Alpha, output, cancellationToken);
            }
            var totalSeconds = total.Elapsed.TotalSeconds;
            var written = output == ImageIO.StandardStream ? "a PNG to standard output" : args.Output;
            if (!dream.Quiet)
                context.Error.WriteLine(FormattableString.Invariant($"wrote {written} ({result.Image.Width}x{result.Image.Height}) in {totalSeconds:0.0} s"));
            if (dream.Json)
            {
                var report = DreamReport.Create(args with { Dream = loaded.Options }, output, input.Rgb, dreamer, result, octaveFolder, loaded.LoadSeconds, dreamSeconds, totalSeconds);
                context.Out.WriteLine(report.ToJson());
                context.Out.Flush();
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
        if (folder is not null) ImageIO.CheckWritable(folder, "output folder");
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
}
