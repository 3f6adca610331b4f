using System.Diagnostics;
using System.Security.Cryptography;
using DeepDream.Diagnostics;
using DeepDream.Features;
using DeepDream.Imaging;
using DeepDream.Objectives;
using DeepDream.Schedules;
using Microsoft.Extensions.Logging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream;

/// <summary>
/// A configured deep dream, built by <see cref="DreamBuilder"/>. Immutable and safe to use from several threads at once;
/// dispose it to release the model (when it owns it) and the objective's tensors.
/// </summary>
public sealed class Dreamer : IDisposable
{
    private readonly IObjectiveEvaluator _evaluator;
    private readonly DreamLoop _loop;
    private readonly bool _ownsModel;
    private readonly ILogger _logger;
    private readonly bool _defaultSchedule;
    private readonly Tiling.TileSizing _tileSizing; // the sizing the run tiles with (its device and model minimum), for the log
    private int _disposed;

    internal Dreamer(IFeatureExtractor model, bool ownsModel, Objective objective, IObjectiveEvaluator evaluator,
        DreamSettings settings, IOctaveSchedule schedule, IReadOnlyList<Regularizers.IRegularizer> regularizers, IStepRule stepRule, ILogger logger)
    {
        Model = model;
        Objective = objective;
        Settings = settings;
        _ownsModel = ownsModel;
        _evaluator = evaluator;
        _logger = logger;
        var layers = objective.Layers;
        var modelMinimum = model.GetMinimumInputSize(layers);
        _tileSizing = Tiling.TileSizing.For(settings, model.Device, modelMinimum);
        var gradients = new Tiling.GradientComputer(model, evaluator, layers, _tileSizing);
        if (!Performance.PrecisionSupport.IsNative(settings.Precision, model.Device)) Log.PrecisionEmulated(logger);
        if (Performance.OpenMpWaitPolicy.ShouldReportTooLate()) Log.OpenMpStartedFirst(logger);
        // A tile is cut into about halves at worst (core plus one side of context), so it must hold two minimum sizes
        // (automatic tiles are never smaller than that).
        if (settings.TileSize < 2 * modelMinimum)
        {
            throw new ArgumentException(
                $"Tile size {settings.TileSize} px is too small for layer(s) {string.Join(", ", layers)} of '{model.Name}', which need at least {modelMinimum} px; use a tile size of at least {2 * modelMinimum} px.",
                nameof(settings));
        }
        // Octaves must stay large enough for the model after the most shrinking transform (a random scale below 1).
        var shrink = regularizers.Select(r => r.MinimumScale).DefaultIfEmpty(1.0).Min();
        if (!(shrink > 0 && shrink <= 1)) throw new ArgumentException($"A regularizer reports a MinimumScale of {shrink}; it must be in (0, 1].", nameof(regularizers));
        MinimumSize = (int)Math.Ceiling(modelMinimum / shrink);
        _defaultSchedule = schedule is OctaveSchedule;
        _loop = new DreamLoop(schedule, settings.StepsPerOctave, regularizers, stepRule, gradients, MinimumSize, logger);
    }

    /// <summary>The model.</summary>
    public IFeatureExtractor Model { get; }

    /// <summary>The objective being maximised.</summary>
    public Objective Objective { get; }

    /// <summary>The settings.</summary>
    public DreamSettings Settings { get; }

    /// <summary>
    /// The smallest image side a run accepts: the model's minimum for the objective's layers, enlarged when a regularizer
    /// shrinks the image (<see cref="Regularizers.IRegularizer.MinimumScale"/>). Smaller octaves are dropped (and logged).
    /// </summary>
    public int MinimumSize { get; }

    /// <summary>
    /// The octave sizes a run on an image of this size would use, in the order they are processed: smallest first, the
    /// image's own size last (the same order as <see cref="DreamResult.Octaves"/> and <see cref="DreamProgress.Octave"/>).
    /// </summary>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    /// <exception cref="ImageTooSmallException">The image is below <see cref="MinimumSize"/>.</exception>
    /// <exception cref="InvalidOperationException">A custom schedule returned sizes the dream cannot use.</exception>
    public IReadOnlyList<OctaveSize> OctaveSizes(int width, int height) => _loop.Sizes(new OctaveSize(width, height));

    /// <summary>Dreams an RGB image and returns the result (a new image of the same size).</summary>
    /// <param name="input">The image; not modified.</param>
    /// <param name="progress">Receives a report after every step.</param>
    /// <param name="cancellationToken">Stops the run within one step.</param>
    /// <exception cref="ImageTooSmallException">The image is below <see cref="MinimumSize"/>.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    /// <exception cref="DeepDreamException">The model's forward or gradient pass failed (for example out of memory: use a smaller tile size), or produced NaN or infinite values.</exception>
    /// <exception cref="ObjectDisposedException">The dreamer was disposed.</exception>
    /// <exception cref="InvalidOperationException">The shared model was converted to another <see cref="Precision"/> since this dreamer was built.</exception>
    public Image<Rgb24> Run(Image<Rgb24> input, IProgress<DreamProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var result = Dream(input, new DreamRunOptions { Progress = progress }, cancellationToken);
        return result.Image;
    }

    /// <summary>
    /// Dreams an image of any pixel type: it is converted to RGB for the dream and back; an alpha channel is carried
    /// through unchanged.
    /// </summary>
    /// <typeparam name="TPixel">The pixel type.</typeparam>
    /// <param name="input">The image; not modified.</param>
    /// <param name="progress">Receives a report after every step.</param>
    /// <param name="cancellationToken">Stops the run within one step.</param>
    /// <exception cref="ImageTooSmallException">The image is below <see cref="MinimumSize"/>.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    /// <exception cref="DeepDreamException">The model's forward or gradient pass failed (for example out of memory: use a smaller tile size), or produced NaN or infinite values.</exception>
    /// <exception cref="ObjectDisposedException">The dreamer was disposed.</exception>
    /// <exception cref="InvalidOperationException">The shared model was converted to another <see cref="Precision"/> since this dreamer was built.</exception>
    public Image<TPixel> Run<TPixel>(Image<TPixel> input, IProgress<DreamProgress>? progress = null, CancellationToken cancellationToken = default)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        ArgumentNullException.ThrowIfNull(input);
        using var rgba = input.CloneAs<Rgba32>();
        var (rgb, alpha) = ImageTensor.SplitAlpha(rgba);
        using (rgb)
        using (alpha)
        {
            using var dreamed = Run(rgb, progress, cancellationToken);
            using var merged = ImageTensor.Recombine(dreamed, alpha); // the original alpha, unchanged
            return merged.CloneAs<TPixel>();
        }
    }

    /// <summary>Dreams an RGB image and returns the image with the seed, settings, per-octave timings and objective values.</summary>
    /// <param name="input">The image; not modified.</param>
    /// <param name="options">Per-run seed, progress and octave callback.</param>
    /// <param name="cancellationToken">Stops the run within one step.</param>
    /// <exception cref="ImageTooSmallException">The image is below <see cref="MinimumSize"/>.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    /// <exception cref="DeepDreamException">The model's forward or gradient pass failed (for example out of memory: use a smaller tile size), or produced NaN or infinite values.</exception>
    /// <exception cref="ObjectDisposedException">The dreamer was disposed.</exception>
    /// <exception cref="InvalidOperationException">The shared model was converted to another <see cref="Precision"/> since this dreamer was built.</exception>
    public DreamResult Dream(Image<Rgb24> input, DreamRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        options ??= new DreamRunOptions();
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var tensor = ImageTensor.ToTensor(input, Model.Device);
        var octaves = new List<OctaveResult>();
        var seed = ResolveSeed(options.Seed);
        Action<int, int, Tensor>? onOctave = options.OctaveCompleted is { } callback
            ? (index, count, x) =>
            {
                using var image = ImageTensor.ToImage(x);
                callback(new OctaveSnapshot(index, count, image));
            }
            : null;
        var output = RunLoop(tensor, seed, options.Progress, options.ReportObjectiveValues, onOctave, clock, octaves, cancellationToken);
        var image = ImageTensor.ToImage(output);
        return new DreamResult(image, seed, Settings with { Seed = seed }, Model.Name, Objective.ToString()!, octaves, clock.Elapsed);
    }

    /// <summary>
    /// Dreams a tensor: float32 1×3×H×W, RGB in [0,1], on any device (it is moved to the model's device). Returns a new
    /// tensor on the model's device; the input is neither modified nor disposed.
    /// </summary>
    /// <param name="input">The image tensor.</param>
    /// <param name="seed">The seed for this run (null: the dreamer's seed or a new random one).</param>
    /// <param name="progress">Receives a report after every step.</param>
    /// <param name="cancellationToken">Stops the run within one step.</param>
    /// <exception cref="ArgumentException">The tensor is not 1×3×H×W float32.</exception>
    /// <exception cref="ImageTooSmallException">The image is below <see cref="MinimumSize"/>.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    /// <exception cref="DeepDreamException">The model's forward or gradient pass failed (for example out of memory: use a smaller tile size), or produced NaN or infinite values.</exception>
    /// <exception cref="ObjectDisposedException">The dreamer was disposed.</exception>
    /// <exception cref="InvalidOperationException">The shared model was converted to another <see cref="Precision"/> since this dreamer was built.</exception>
    public Tensor Run(Tensor input, int? seed = null, IProgress<DreamProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (input.dim() != 4 || input.shape[0] != 1 || input.shape[1] != 3 || input.dtype != ScalarType.Float32)
        {
            throw new ArgumentException($"Expected a float32 tensor of shape 1×3×H×W, got {input.dtype} [{string.Join("×", input.shape)}].", nameof(input));
        }
        using var scope = NewDisposeScope();
        var onDevice = input.device == Model.Device ? input : input.to(Model.Device);
        var output = RunLoop(onDevice, ResolveSeed(seed), progress, false, null, Stopwatch.StartNew(), [], cancellationToken);
        return output.MoveToOuterDisposeScope();
    }

    private Tensor RunLoop(Tensor input, int seed, IProgress<DreamProgress>? progress, bool valueEveryStep, Action<int, int, Tensor>? onOctave,
        Stopwatch clock, List<OctaveResult> octaves, CancellationToken cancellationToken)
    {
        int height = (int)input.shape[2], width = (int)input.shape[3];
        var sizes = _loop.Sizes(new OctaveSize(width, height));
        if (_defaultSchedule && sizes.Count < Settings.Octaves) Log.OctavesLimited(_logger, sizes.Count, Settings.Octaves, width, height, MinimumSize);
        if (Model.Precision != Settings.Precision)
        {
            throw new InvalidOperationException(
                $"The model '{Model.Name}' now computes in {Model.Precision}, but this dreamer was built for {Settings.Precision}: another builder converted the shared model. Give each precision its own model.");
        }
        Log.RunStarted(_logger, width, height, Model.Name, Objective.ToString()!, sizes.Count, Settings.OctaveScale,
            Settings.StepsPerOctave, Settings.StepSize, Settings.Jitter, seed, _tileSizing.LargestSide(_tileSizing.Budget()), Performance.PrecisionSupport.ShortName(Settings.Precision));
        try
        {
            var state = new DreamLoop.RunState(new Random(seed), progress, valueEveryStep, onOctave, clock, cancellationToken);
            var output = _loop.Run(input, state, octaves);
            var seconds = clock.Elapsed.TotalSeconds;
            Log.RunFinished(_logger, seconds, sizes.Count * Settings.StepsPerOctave / Math.Max(seconds, 1e-9));
            return output;
        }
        catch (OperationCanceledException)
        {
            Log.RunCancelled(_logger, clock.Elapsed.TotalSeconds);
            throw;
        }
    }

    private int ResolveSeed(int? perRun)
    {
        var chosen = perRun ?? Settings.Seed;
        if (chosen is { } fixedSeed) return fixedSeed;
        var seed = RandomNumberGenerator.GetInt32(int.MaxValue);
        Log.SeedChosen(_logger, seed);
        return seed;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _evaluator.Dispose();
        if (_ownsModel) Model.Dispose();
    }
}
