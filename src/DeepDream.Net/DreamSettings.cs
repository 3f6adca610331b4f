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

    /// <summary>The default memory budget for one tile's forward and backward pass: 1 GiB.</summary>
    public const long DefaultTileMemoryBudget = 1L << 30;

    /// <summary>
    /// Estimated bytes of activations and autograd buffers per input pixel for a ResNet-style forward to <c>layer3</c> and
    /// the backward pass to the image (measured for the embedded ResNet18); used to derive the automatic tile size.
    /// </summary>
    public const long EstimatedBytesPerPixel = 1024;

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

    /// <summary>The largest tile side the model sees, or null for the automatic size from <see cref="TileMemoryBudget"/>.</summary>
    public int? TileSize { get; internal init; }

    /// <summary>Memory budget for one tile when <see cref="TileSize"/> is automatic. Default <see cref="DefaultTileMemoryBudget"/> (1 GiB).</summary>
    public long TileMemoryBudget { get; internal init; } = DefaultTileMemoryBudget;

    /// <summary>
    /// The tile size actually used: <see cref="TileSize"/>, or <c>√(budget / bytes per pixel)</c> rounded down to a
    /// multiple of 32 and at least 256.
    /// </summary>
    public int EffectiveTileSize => TileSize ?? Math.Max(256, (int)Math.Sqrt((double)TileMemoryBudget / EstimatedBytesPerPixel) / 32 * 32);
}
