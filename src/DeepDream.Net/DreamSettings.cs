using DeepDream.Regularizers;
using DeepDream.Schedules;

namespace DeepDream;

/// <summary>The resolved, immutable settings of a dreamer. Every default is the reference implementation's.</summary>
public sealed record DreamSettings
{
    /// <summary>Creates settings with every value at its default; a <see cref="DreamBuilder"/> sets the others.</summary>
    public DreamSettings() { }

    /// <summary>The default number of steps per octave: 20.</summary>
    public const int DefaultStepsPerOctave = 20;

    /// <summary>
    /// The memory budget for one tile's forward and backward pass where the available memory cannot be read (systems
    /// other than Linux, GPUs): 1 GiB. Elsewhere the automatic budget is half the available memory.
    /// </summary>
    public const long DefaultTileMemoryBudget = 1L << 30;

    /// <summary>
    /// Estimated bytes of activations and autograd buffers per input pixel for a ResNet-style forward to <c>layer3</c> and
    /// the backward pass to the image in float32, with a margin for deeper models (the embedded ResNet18 measures about
    /// 550); used for the automatic tile decision.
    /// </summary>
    public const long EstimatedBytesPerPixel = 1024;

    /// <summary>The same estimate in bfloat16: 640 bytes (the embedded ResNet18 measures 0.6× its float32 figure).</summary>
    internal const long EstimatedBytesPerPixelBFloat16 = 640;

    /// <summary>The estimated bytes per input pixel for a precision.</summary>
    internal static long BytesPerPixel(Precision precision) =>
        precision == Precision.BFloat16 ? EstimatedBytesPerPixelBFloat16 : EstimatedBytesPerPixel;

    /// <summary>Number of octaves requested. Default <see cref="OctaveSchedule.DefaultCount"/> (6).</summary>
    public int Octaves { get; internal init; } = OctaveSchedule.DefaultCount;

    /// <summary>Size ratio between consecutive octaves. Default <see cref="OctaveSchedule.DefaultScale"/> (1.4).</summary>
    public double OctaveScale { get; internal init; } = OctaveSchedule.DefaultScale;

    /// <summary>Gradient steps per octave. Default <see cref="DefaultStepsPerOctave"/> (20).</summary>
    public int StepsPerOctave { get; internal init; } = DefaultStepsPerOctave;

    /// <summary>Mean absolute pixel change per step in [0,1] units. Default <see cref="MeanGradientStepRule.DefaultStepSize"/> (0.0045).</summary>
    public double StepSize { get; internal init; } = MeanGradientStepRule.DefaultStepSize;

    /// <summary>Largest jitter shift in pixels (0: none). Default <see cref="JitterRegularizer.DefaultMaxShift"/> (32).</summary>
    public int Jitter { get; internal init; } = JitterRegularizer.DefaultMaxShift;

    /// <summary>The number format the network computes in. Default <see cref="DeepDream.Precision.Float32"/>.</summary>
    public Precision Precision { get; internal init; } = Precision.Float32;

    /// <summary>The fixed seed, or null to draw a new one for every run (reported in the result).</summary>
    public int? Seed { get; internal init; }

    /// <summary>
    /// The largest tile side the model sees, or null (the default) for automatic tiling: an octave is tiled only when its
    /// forward and backward pass does not fit the memory budget (<see cref="TileMemoryBudget"/>).
    /// </summary>
    public int? TileSize { get; internal init; }

    /// <summary>
    /// Memory budget for one forward and backward pass when <see cref="TileSize"/> is automatic, or null (the default) to
    /// follow the machine: half the memory available when each octave starts (Linux's MemAvailable, within a cgroup limit),
    /// or <see cref="DefaultTileMemoryBudget"/> where that is unknown. A fixed budget makes the tiling, and so the result
    /// of a seed, independent of the memory other programs use.
    /// </summary>
    public long? TileMemoryBudget { get; internal init; }

    /// <summary>
    /// Reads the machine now: the largest tile side an octave starting now would be cut into on the CPU.
    /// <see cref="TileSize"/> when set; otherwise <c>√(budget / bytes per pixel)</c> rounded down to a multiple of 32,
    /// at least 256 and at most 8192, with <see cref="TileMemoryBudget"/> as the budget or, when that is automatic, half the memory
    /// available at this call. With neither set, two calls can differ as other programs take and free memory (a dream
    /// reads the memory once per octave, and all steps of an octave use that figure). Octaves whose pass fits the budget
    /// are not tiled at all.
    /// </summary>
    /// <returns>The tile side in pixels.</returns>
    public int ResolveTileSize()
    {
        var sizing = Tiling.TileSizing.For(this, TorchSharp.torch.CPU, 0);
        return sizing.LargestSide(sizing.Budget());
    }
}
