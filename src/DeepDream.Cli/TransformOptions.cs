using System.CommandLine;
using System.Globalization;
using DeepDream.Regularizers;
using DeepDream.Schedules;

namespace DeepDream.Cli;

/// <summary>
/// The validated regularizer, step-rule and automatic-channel options. <see cref="ToString"/> is their invariant
/// description (it goes into sequence and batch manifests, so a resumed job notices a change).
/// </summary>
/// <param name="Flip">--flip: mirror left–right with probability ½ each step.</param>
/// <param name="MinScale">--random-scale: the smallest factor (1 with <paramref name="MaxScale"/> 1: off).</param>
/// <param name="MaxScale">--random-scale: the largest factor.</param>
/// <param name="RotateDegrees">--random-rotate: the largest angle in degrees (0: off).</param>
/// <param name="BlurSigma">--blur: the update's Gaussian blur in pixels (0: off).</param>
/// <param name="LaplacianLevels">--step-rule laplacian[:LEVELS]: the pyramid's levels (0: the mean-|g| rule).</param>
/// <param name="StrongestChannels">--channels strongest:K: how many channels to choose from the input image (null: off).</param>
internal sealed record TransformValues(
    bool Flip, double MinScale, double MaxScale, double RotateDegrees, double BlurSigma, int LaplacianLevels, int? StrongestChannels)
{
    /// <summary>No transforms beyond the jitter, the mean-|g| rule, channels as given.</summary>
    public static TransformValues None { get; } = new(false, 1, 1, 0, 0, 0, null);

    /// <summary>Adds the regularizers and the step rule to <paramref name="builder"/> (after the jitter, in the order flip, scale, rotate, blur).</summary>
    public void ApplyTo(DreamBuilder builder, double stepSize)
    {
        if (Flip) builder.AddRegularizer(new RandomFlipRegularizer());
        if (MinScale != 1 || MaxScale != 1) builder.AddRegularizer(new ScaleRegularizer(MinScale, MaxScale));
        if (RotateDegrees > 0) builder.AddRegularizer(new RotateRegularizer(RotateDegrees));
        if (BlurSigma > 0) builder.AddRegularizer(new BlurRegularizer(BlurSigma));
        if (LaplacianLevels > 0) builder.UseStepRule(new LaplacianStepRule(stepSize, LaplacianLevels));
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var parts = new List<string>();
        if (Flip) parts.Add("flip");
        if (MinScale != 1 || MaxScale != 1) parts.Add(string.Create(CultureInfo.InvariantCulture, $"random-scale {MinScale},{MaxScale}"));
        if (RotateDegrees > 0) parts.Add(string.Create(CultureInfo.InvariantCulture, $"random-rotate {RotateDegrees}"));
        if (BlurSigma > 0) parts.Add(string.Create(CultureInfo.InvariantCulture, $"blur {BlurSigma}"));
        parts.Add(LaplacianLevels > 0 ? string.Create(CultureInfo.InvariantCulture, $"step-rule laplacian:{LaplacianLevels}") : "step-rule mean");
        if (StrongestChannels is { } k) parts.Add(string.Create(CultureInfo.InvariantCulture, $"channels strongest:{k}"));
        return string.Join("; ", parts);
    }
}

/// <summary>
/// <c>--flip --random-scale MIN,MAX --random-rotate DEG --blur SIGMA --step-rule mean|laplacian[:LEVELS]</c> as
/// System.CommandLine options, shared by every command that dreams (part of <see cref="DreamOptions"/>).
/// </summary>
internal sealed class TransformOptions
{
    /// <summary>The prefix of <c>--channels strongest:K</c>.</summary>
    public const string StrongestPrefix = "strongest:";

    public Option<bool> Flip { get; } = new("--flip") { Description = "Mirror the image left-right in a random half of the steps (a regularizer, like --jitter)." };

    public Option<string?> RandomScale { get; } = new("--random-scale")
    {
        Description = "Each step the model sees the image scaled by a random factor in MIN..MAX (e.g. 0.95,1.05).",
        HelpName = "MIN,MAX",
    };

    public Option<string?> RandomRotate { get; } = new("--random-rotate")
    {
        Description = "Each step the model sees the image rotated by a random angle up to this many degrees either way.",
        HelpName = "DEG",
    };

    public Option<string?> Blur { get; } = new("--blur") { Description = "Blur each step's change with a Gaussian of this many pixels: larger, softer patterns.", HelpName = "SIGMA" };

    public Option<string?> StepRule { get; } = new("--step-rule")
    {
        Description = "mean (default: each step moves pixels by --step-size on average) or laplacian[:LEVELS] (Laplacian-pyramid normalised steps, "
            + "default 4 levels and --step-size 0.0016).",
        HelpName = "mean|laplacian[:N]",
    };

    /// <summary>The options, in help order.</summary>
    public IEnumerable<Option> All => [Flip, RandomScale, RandomRotate, Blur, StepRule];

    /// <summary>Reads and validates the values; <paramref name="channels"/> is the raw --channels text (for strongest:K).</summary>
    /// <exception cref="UsageException">A value is malformed or out of range.</exception>
    public TransformValues Read(ParseResult result, string? channels) => Validate(
        result.GetValue(Flip), result.GetValue(RandomScale), result.GetValue(RandomRotate), result.GetValue(Blur), result.GetValue(StepRule), channels);

    /// <summary>Checks every value; throws <see cref="UsageException"/> (exit 2).</summary>
    internal static TransformValues Validate(bool flip, string? randomScale, string? randomRotate, string? blur, string? stepRule, string? channels)
    {
        double minScale = 1, maxScale = 1;
        if (randomScale is not null)
        {
            var parts = randomScale.Split(',', StringSplitOptions.TrimEntries);
            if (parts.Length != 2) throw new UsageException($"--random-scale expects MIN,MAX such as 0.95,1.05, got '{randomScale}'.");
            (minScale, maxScale) = (ValueParsers.ParseDouble(parts[0], "--random-scale"), ValueParsers.ParseDouble(parts[1], "--random-scale"));
            if (!(minScale > 0) || maxScale < minScale || maxScale > 4)
                throw new UsageException($"--random-scale needs 0 < MIN <= MAX <= 4, got '{randomScale}'.");
        }
        var rotate = randomRotate is null ? 0 : ValueParsers.ParseDouble(randomRotate, "--random-rotate");
        if (rotate is < 0 or > 180) throw new UsageException($"--random-rotate must be between 0 and 180 degrees, got {randomRotate}.");
        var sigma = blur is null ? 0 : ValueParsers.ParseDouble(blur, "--blur");
        if (blur is not null && sigma is <= 0 or > 16) throw new UsageException($"--blur must be more than 0 and at most 16 pixels, got {blur}.");
        var levels = ParseStepRule(stepRule);
        int? strongest = null;
        if (channels is not null && channels.Trim().StartsWith(StrongestPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var k = channels.Trim()[StrongestPrefix.Length..];
            if (!int.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1 || count > 1 << 16)
                throw new UsageException($"--channels strongest:K expects a channel count K of 1 or more, got '{channels}'.");
            strongest = count;
        }
        return new TransformValues(flip, minScale, maxScale, rotate, sigma, levels, strongest);
    }

    private static int ParseStepRule(string? text)
    {
        var value = text?.Trim().ToLowerInvariant();
        if (value is null or "mean") return 0;
        if (value == "laplacian") return LaplacianStepRule.DefaultLevels;
        if (value.StartsWith("laplacian:", StringComparison.Ordinal)
            && int.TryParse(value.AsSpan("laplacian:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var levels) && levels is >= 1 and <= 12)
        {
            return levels;
        }
        throw new UsageException($"--step-rule expects mean, laplacian or laplacian:LEVELS (1 to 12), got '{text}'.");
    }
}
