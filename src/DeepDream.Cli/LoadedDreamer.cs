using System.Diagnostics;
using DeepDream.Imaging;
using DeepDream.Objectives;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace DeepDream.Cli;

/// <summary>
/// A <see cref="Dreamer"/> built from validated <see cref="DreamOptionValues"/>, with what it holds on to: the guide image
/// and the --verbose logger factory. One per command run, whatever the number of images it dreams.
/// </summary>
internal sealed class LoadedDreamer : IDisposable
{
    private readonly ILoggerFactory? _loggerFactory;

    private LoadedDreamer(Dreamer dreamer, DreamOptionValues options, LoadedImage? guide, ILoggerFactory? loggerFactory, double loadSeconds)
    {
        Dreamer = dreamer;
        Options = options;
        Guide = guide;
        _loggerFactory = loggerFactory;
        LoadSeconds = loadSeconds;
    }

    /// <summary>The dreamer.</summary>
    public Dreamer Dreamer { get; }

    /// <summary>The options it was built from, with the model's default layer filled in when no --layer was given.</summary>
    public DreamOptionValues Options { get; }

    /// <summary>The --guide image, when one was given.</summary>
    public LoadedImage? Guide { get; }

    /// <summary>Seconds spent loading the model and building the dreamer.</summary>
    public double LoadSeconds { get; }

    /// <summary>
    /// Loads the guide and the model and builds the dreamer; guide warnings go to stderr unless --quiet. Ctrl-C ends the
    /// wait at once, however long a crafted model takes to load or probe. With <c>--channels strongest:K</c> the channels
    /// are chosen from <paramref name="channelSource"/> (the input image).
    /// </summary>
    /// <exception cref="ImageLoadException">The guide cannot be read.</exception>
    /// <exception cref="UsageException">The objective does not fit the model (unknown layer, bad tile size...).</exception>
    /// <exception cref="ModelLoadException">The model cannot be loaded.</exception>
    /// <exception cref="OperationCanceledException">Cancelled while loading.</exception>
    public static LoadedDreamer Load(DreamOptionValues options, CliContext context, CancellationToken cancellationToken,
        SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>? channelSource = null)
    {
        if (options.Transforms.StrongestChannels is not null && channelSource is null)
        {
            throw new UsageException(
                "--channels strongest:K chooses the channels from the input image, so it works with deepdream dream on one image; give channel numbers (e.g. --channels 0-7) for zoom, video and batches.");
        }
        return Interruptible.RunDisposable(() => LoadNow(options, context, cancellationToken, channelSource), cancellationToken);
    }

    private static LoadedDreamer LoadNow(DreamOptionValues options, CliContext context, CancellationToken cancellationToken,
        SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>? channelSource)
    {
        var guide = options.Guide is null ? null : ImageIO.Load(options.Guide, cancellationToken);
        ILoggerFactory? loggerFactory = null;
        try
        {
            if (!options.Quiet && guide is not null)
            {
                foreach (var warning in guide.Warnings) context.Error.WriteLine("warning: " + warning);
            }
            cancellationToken.ThrowIfCancellationRequested();
            loggerFactory = options.Verbose ? CreateLoggerFactory() : null;
            var clock = Stopwatch.StartNew();
            var model = ModelResolver.Load(options.Model, context.ModelFactory);
            Dreamer dreamer;
            try
            {
                if (options.Layers.Count == 0) options = options with { Layers = [new LayerTerm(LayerHints.DefaultLayerOf(model, options.Model), 1.0)] };
                if (options.Transforms.StrongestChannels is { } strongest)
                    options = options with { Channels = ChannelRanking.Strongest(model, channelSource!, options.Layers[0].Name, strongest) };
                var builder = new DreamBuilder().UseModel(model)
                    .Octaves(options.Octaves).OctaveScale(options.OctaveScale).Steps(options.Steps).StepSize(options.StepSize).Jitter(options.Jitter)
                    .Precision(options.Precision).UseObjective(options.BuildObjective(guide?.Rgb));
                if (options.TileSize is { } tile) builder.TileSize(tile);
                options.Transforms.ApplyTo(builder, options.StepSize);
                if (loggerFactory is not null) builder.UseLoggerFactory(loggerFactory);
                dreamer = builder.Build();
            }
            catch (Exception e)
            {
                model.Dispose();
                if (e is ArgumentException argument) throw LayerHints.ForRejectedSetup(argument, options.Model);
                throw;
            }
            return new LoadedDreamer(dreamer, options, guide, loggerFactory, clock.Elapsed.TotalSeconds);
        }
        catch
        {
            guide?.Dispose();
            loggerFactory?.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dreamer.Dispose();
        Guide?.Dispose();
        _loggerFactory?.Dispose();
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
