using DeepDream.Features;
using DeepDream.Objectives;
using DeepDream.Regularizers;
using DeepDream.Schedules;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace DeepDream;

/// <summary>
/// Fluent configuration of a deep dream. Each setting is validated when it is given; <see cref="Build"/> validates the
/// whole setup and returns an immutable, thread-safe <see cref="Dreamer"/>. A builder is single-use: after a successful
/// <see cref="Build"/> every further call throws <see cref="InvalidOperationException"/>.
/// </summary>
/// <example>
/// <code>
/// using var output = new DreamBuilder().UseModel(DreamModels.ResNet18()).Octaves(4).Run(image);
/// </code>
/// </example>
public sealed class DreamBuilder
{
    /// <summary>Creates a builder with every setting at its documented default (the shared embedded ResNet18, L2 on its default layer <c>layer3</c>).</summary>
    public DreamBuilder() { }

    private IFeatureExtractor? _model;
    private bool _ownsModel = true;
    private Func<IFeatureExtractor, Objective>? _objectiveFor;
    private readonly List<IRegularizer> _extraRegularizers = [];
    private IStepRule? _stepRule;
    private IOctaveSchedule? _schedule;
    private ILoggerFactory _loggerFactory = NullLoggerFactory.Instance;
    private Device? _device;
    private DreamSettings _settings = new();
    private bool _built;

    /// <summary>
    /// The network to dream with. Default: the embedded ImageNet ResNet18, loaded once per process and device on the first
    /// <see cref="Build"/> and shared by every dreamer built without a model (it is never disposed; to own and release a
    /// copy, pass <c>DreamModels.ResNet18()</c> here).
    /// </summary>
    /// <param name="model">The feature extractor.</param>
    /// <param name="ownsModel">Whether the dreamer disposes the model when it is disposed (default true).</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    public DreamBuilder UseModel(IFeatureExtractor model, bool ownsModel = true)
    {
        EnsureNotBuilt();
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _ownsModel = ownsModel;
        return this;
    }

    /// <summary>The objective to maximise. Default: <c>Objective.L2(model.DefaultLayer)</c>, the model's default layer (see <see cref="IFeatureExtractor.DefaultLayer"/>).</summary>
    /// <param name="objective">Any objective, e.g. <c>0.5 * Objective.L2("layer2") + Objective.L2("layer3")</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="objective"/> is null.</exception>
    public DreamBuilder UseObjective(Objective objective)
    {
        EnsureNotBuilt();
        ArgumentNullException.ThrowIfNull(objective);
        _objectiveFor = _ => objective;
        return this;
    }

    /// <summary>Shorthand for <c>UseObjective(Objective.L2(layer))</c>.</summary>
    /// <param name="layer">The layer to dream on.</param>
    /// <exception cref="ArgumentException"><paramref name="layer"/> is empty.</exception>
    public DreamBuilder Layer(string layer) => UseObjective(Objective.L2(layer));

    /// <summary>Shorthand for guided dreaming: <c>UseObjective(Objective.Guided(layer, guide))</c>.</summary>
    /// <param name="guide">The guide image (copied).</param>
    /// <param name="layer">The layer; null (the default) for the model's <see cref="IFeatureExtractor.DefaultLayer"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="guide"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="layer"/> is empty.</exception>
    public DreamBuilder Guide(Image<Rgb24> guide, string? layer = null)
    {
        if (layer is not null) return UseObjective(Objective.Guided(layer, guide));
        EnsureNotBuilt();
        ArgumentNullException.ThrowIfNull(guide);
        var copy = guide.Clone(); // the caller may dispose the guide before Build
        _objectiveFor = model =>
        {
            using (copy) return Objective.Guided(DefaultLayerOf(model), copy);
        };
        return this;
    }

    /// <summary>Number of octaves of the default schedule (<see cref="OctaveSchedule"/>). Default 6.</summary>
    /// <param name="count">At least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1.</exception>
    public DreamBuilder Octaves(int count)
    {
        EnsureNotBuilt();
        Guard.Positive(count, nameof(count));
        _settings = _settings with { Octaves = count };
        return this;
    }

    /// <summary>Size ratio between consecutive octaves of the default schedule. Default 1.4.</summary>
    /// <param name="scale">Greater than 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scale"/> is not greater than 1.</exception>
    public DreamBuilder OctaveScale(double scale)
    {
        EnsureNotBuilt();
        Guard.GreaterThanOne(scale, nameof(scale));
        _settings = _settings with { OctaveScale = scale };
        return this;
    }

    /// <summary>Gradient steps per octave. Default 20.</summary>
    /// <param name="steps">At least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is below 1.</exception>
    public DreamBuilder Steps(int steps)
    {
        EnsureNotBuilt();
        Guard.Positive(steps, nameof(steps));
        _settings = _settings with { StepsPerOctave = steps };
        return this;
    }

    /// <summary>Mean absolute pixel change per step, in [0,1] units (the mean-|g| step rule). Default 0.0045. Not used when a custom rule is set with <see cref="UseStepRule"/>.</summary>
    /// <param name="stepSize">Positive and finite.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stepSize"/> is not positive and finite.</exception>
    public DreamBuilder StepSize(double stepSize)
    {
        EnsureNotBuilt();
        Guard.PositiveFinite(stepSize, nameof(stepSize));
        _settings = _settings with { StepSize = stepSize };
        return this;
    }

    /// <summary>
    /// Replaces the octave schedule (default: <see cref="OctaveSchedule"/> with <see cref="Octaves"/> and
    /// <see cref="OctaveScale"/>, which are then not used).
    /// </summary>
    /// <param name="schedule">The schedule; it must be immutable and thread-safe.</param>
    /// <exception cref="ArgumentNullException"><paramref name="schedule"/> is null.</exception>
    public DreamBuilder UseSchedule(IOctaveSchedule schedule)
    {
        EnsureNotBuilt();
        ArgumentNullException.ThrowIfNull(schedule);
        _schedule = schedule;
        return this;
    }

    /// <summary>Replaces the step rule (default: <see cref="MeanGradientStepRule"/> with the step size).</summary>
    /// <param name="rule">The rule.</param>
    /// <exception cref="ArgumentNullException"><paramref name="rule"/> is null.</exception>
    public DreamBuilder UseStepRule(IStepRule rule)
    {
        EnsureNotBuilt();
        ArgumentNullException.ThrowIfNull(rule);
        _stepRule = rule;
        return this;
    }

    /// <summary>Largest random circular shift per step, in pixels; 0 turns jitter off. Default 32.</summary>
    /// <param name="pixels">0 or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pixels"/> is negative.</exception>
    public DreamBuilder Jitter(int pixels)
    {
        EnsureNotBuilt();
        Guard.NonNegative(pixels, nameof(pixels));
        _settings = _settings with { Jitter = pixels };
        return this;
    }

    /// <summary>Adds a regularizer applied after the jitter (for example <see cref="RandomFlipRegularizer"/>).</summary>
    /// <param name="regularizer">The regularizer.</param>
    /// <exception cref="ArgumentNullException"><paramref name="regularizer"/> is null.</exception>
    public DreamBuilder AddRegularizer(IRegularizer regularizer)
    {
        EnsureNotBuilt();
        ArgumentNullException.ThrowIfNull(regularizer);
        _extraRegularizers.Add(regularizer);
        return this;
    }

    /// <summary>Fixes the seed: same seed, input and settings on the CPU give bit-identical output. Default: a new random seed per run.</summary>
    /// <param name="seed">Any integer.</param>
    public DreamBuilder Seed(int seed)
    {
        EnsureNotBuilt();
        _settings = _settings with { Seed = seed };
        return this;
    }

    /// <summary>
    /// Largest tile side the model sees; larger octaves get their gradient tile by tile. Default: automatic, tiling only
    /// octaves whose forward and backward pass does not fit <see cref="TileMemoryBudget"/>. When the tile is at least the
    /// image size the result equals the untiled one exactly.
    /// </summary>
    /// <param name="pixels">From 64 to 8192: an 8192² tile already needs tens of GB.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pixels"/> is below 64 or above 8192.</exception>
    public DreamBuilder TileSize(int pixels)
    {
        EnsureNotBuilt();
        Guard.Between(pixels, Tiling.TileSizing.MinimumSide, Tiling.TileSizing.MaximumSide, nameof(pixels), "The tile size", " pixels");
        _settings = _settings with { TileSize = pixels };
        return this;
    }

    /// <summary>
    /// Memory budget for one forward and backward pass, used for the automatic tiling. Default: half the memory available
    /// when each octave starts (Linux), or 1 GiB where that is unknown (other systems, GPUs). A fixed budget makes the
    /// tiling, and so the result of a seed, independent of what other programs use. However large the budget, a tile is
    /// at most 8192 pixels on a side (an octave whose pass fits the budget is not tiled at all).
    /// </summary>
    /// <param name="bytes">At least 64 MiB.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bytes"/> is below 64 MiB.</exception>
    public DreamBuilder TileMemoryBudget(long bytes)
    {
        EnsureNotBuilt();
        Guard.AtLeast(bytes, 64L << 20, nameof(bytes), "The tile memory budget", "64 MiB");
        _settings = _settings with { TileMemoryBudget = bytes };
        return this;
    }

    /// <summary>
    /// The number format the network computes in. Default <see cref="DeepDream.Precision.Float32"/>.
    /// <see cref="DeepDream.Precision.BFloat16"/> takes about 0.6× of float32's time on CPUs with native bfloat16 (AVX512-BF16,
    /// AMX; measured 0.59× at 451×300 and 0.53× at 1920×1080, less gain on small images); the image, the pyramid and the
    /// update stay float32. Like <see cref="UseDevice(Device)"/>, <see cref="Build"/> converts
    /// the model in place, so dreamers sharing one model must agree on it.
    /// </summary>
    /// <param name="precision">The precision.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="precision"/> is not a defined value.</exception>
    public DreamBuilder Precision(Precision precision)
    {
        EnsureNotBuilt();
        if (!Enum.IsDefined(precision)) throw new ArgumentOutOfRangeException(nameof(precision), precision, "Use Precision.Float32 or Precision.BFloat16.");
        _settings = _settings with { Precision = precision };
        return this;
    }

    /// <summary>The device to run on (default: the model's device, the CPU unless moved). The model is moved there at <see cref="Build"/>.</summary>
    /// <param name="device">For example <c>torch.CPU</c>, or <c>DreamDevices.Get("cuda")</c> (needs a CUDA backend package).</param>
    /// <exception cref="ArgumentNullException"><paramref name="device"/> is null.</exception>
    /// <exception cref="DeepDreamException">The device is CUDA and CUDA is not available (the message names the backend packages).</exception>
    public DreamBuilder UseDevice(Device device)
    {
        EnsureNotBuilt();
        ArgumentNullException.ThrowIfNull(device);
        DreamDevices.EnsureAvailable(device);
        _device = device;
        return this;
    }

    /// <summary>The device to run on, by name: <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c> (see <see cref="DreamDevices.Get"/>).</summary>
    /// <param name="device">The device name.</param>
    /// <exception cref="ArgumentException">The name is not cpu, cuda or cuda:N.</exception>
    /// <exception cref="DeepDreamException">The device is CUDA and CUDA is not available (the message names the backend packages).</exception>
    public DreamBuilder UseDevice(string device)
    {
        EnsureNotBuilt();
        return UseDevice(DreamDevices.Get(device));
    }

    /// <summary>Where log events go (run start and end, octaves, chosen seed). Default: nowhere.</summary>
    /// <param name="loggerFactory">The logger factory.</param>
    /// <exception cref="ArgumentNullException"><paramref name="loggerFactory"/> is null.</exception>
    public DreamBuilder UseLoggerFactory(ILoggerFactory loggerFactory)
    {
        EnsureNotBuilt();
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _loggerFactory = loggerFactory;
        return this;
    }

    /// <summary>Validates the whole setup and creates the dreamer. The builder cannot be used afterwards.</summary>
    /// <returns>An immutable, thread-safe dreamer; dispose it when done.</returns>
    /// <exception cref="ArgumentException">The objective names a layer the model does not have (<see cref="UnknownLayerException"/>, listing the valid ones), no objective was given and the model has no <see cref="IFeatureExtractor.DefaultLayer"/>, or the objective does not fit the model otherwise.</exception>
    /// <exception cref="ModelLoadException">The default model could not be loaded.</exception>
    /// <exception cref="ImageTooSmallException">A guide image is smaller than the model's minimum for its layer.</exception>
    /// <exception cref="InvalidOperationException">The builder was already used.</exception>
    /// <exception cref="NotSupportedException">The model cannot compute in the chosen <see cref="Precision(DeepDream.Precision)"/>.</exception>
    /// <exception cref="DependencyMissingException">The application references no TorchSharp backend package (the message names the one to add, such as TorchSharp-cpu).</exception>
    public Dreamer Build()
    {
        EnsureNotBuilt();
        Diagnostics.TorchBackend.EnsureLoaded();
        var model = _model ?? Models.SharedDefaultModel.For(_device ?? CPU, _settings.Precision);
        var ownsModel = _model is not null && _ownsModel;
        if (_device is not null && model.Device != _device) model.To(_device);
        if (model.Precision != _settings.Precision) model.To(_settings.Precision);
        var objective = _objectiveFor is { } objectiveFor ? objectiveFor(model) : Objective.L2(DefaultLayerOf(model));
        var logger = _loggerFactory.CreateLogger<Dreamer>();
        var evaluator = objective.Bind(model, logger);
        var regularizers = new List<IRegularizer>();
        if (_settings.Jitter > 0) regularizers.Add(new JitterRegularizer(_settings.Jitter));
        regularizers.AddRange(_extraRegularizers);
        var stepRule = _stepRule ?? new MeanGradientStepRule(_settings.StepSize);
        Dreamer dreamer;
        try
        {
            var schedule = _schedule ?? new OctaveSchedule(_settings.Octaves, _settings.OctaveScale);
            dreamer = new Dreamer(model, ownsModel, objective, evaluator, _settings, schedule, regularizers, stepRule,
                logger);
        }
        catch
        {
            evaluator.Dispose();
            throw;
        }
        _built = true;
        return dreamer;
    }

    /// <summary>The model's default layer, or an error that says there is none and lists the layers.</summary>
    private static string DefaultLayerOf(IFeatureExtractor model) =>
        model.DefaultLayer ?? throw new ArgumentException(
            LayerNameErrors.NoDefaultLayer(model.Name, model.LayerNames), "objective");

    /// <summary>One-off: builds, dreams <paramref name="input"/>, disposes the dreamer, and returns the new image.</summary>
    /// <param name="input">The image; not modified.</param>
    /// <param name="progress">Receives a report after every step.</param>
    /// <param name="cancellationToken">Stops the run within one step.</param>
    /// <exception cref="ArgumentException">The setup is invalid (see <see cref="Build"/>).</exception>
    /// <exception cref="ImageTooSmallException">The image is below the model's minimum size.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    public Image<Rgb24> Run(Image<Rgb24> input, IProgress<Diagnostics.DreamProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using var dreamer = Build();
        return dreamer.Run(input, progress, cancellationToken);
    }

    /// <summary>One-off for any pixel type (alpha carried through): builds, dreams, disposes the dreamer.</summary>
    /// <typeparam name="TPixel">The pixel type.</typeparam>
    /// <param name="input">The image; not modified.</param>
    /// <param name="progress">Receives a report after every step.</param>
    /// <param name="cancellationToken">Stops the run within one step.</param>
    /// <exception cref="ArgumentException">The setup is invalid (see <see cref="Build"/>).</exception>
    /// <exception cref="ImageTooSmallException">The image is below the model's minimum size.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    public Image<TPixel> Run<TPixel>(Image<TPixel> input, IProgress<Diagnostics.DreamProgress>? progress = null, CancellationToken cancellationToken = default)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        using var dreamer = Build();
        return dreamer.Run(input, progress, cancellationToken);
    }

    private void EnsureNotBuilt()
    {
        if (_built) throw new InvalidOperationException("This DreamBuilder has already built a dreamer; create a new builder for a new configuration.");
    }
}
