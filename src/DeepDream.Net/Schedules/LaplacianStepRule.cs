using static TorchSharp.torch;

namespace DeepDream.Schedules;

/// <summary>
/// The step rule of Google's TensorFlow deep dream notebook ("Laplacian pyramid gradient normalization"): the gradient is
/// split into a Laplacian pyramid of <see cref="Levels"/> band-pass levels plus the low-pass rest, each level is divided by
/// its root mean square, and the levels are merged back; the update is that times <see cref="StepSize"/>. Every spatial
/// frequency band then moves the image equally, so low-frequency structure grows as fast as fine texture and a dream
/// from a flat or noisy start fills with large shapes instead of only fine grain.
/// </summary>
/// <remarks>
/// Exactly the notebook's arithmetic: the 5×5 kernel <c>[1 4 6 4 1]ᵀ[1 4 6 4 1] / 256</c> applied per channel,
/// downsampling by 2 with TensorFlow's <c>SAME</c> zero padding, upsampling with its transpose times 4, and RMS
/// normalisation over the whole level with a floor of 1e-10. Splitting and merging without normalisation reproduce the
/// gradient exactly (up to float rounding).
/// </remarks>
public sealed class LaplacianStepRule : IStepRule
{
    /// <summary>
    /// The default step: 0.0016 in [0,1] pixel units, calibrated so that a dream at default settings changes a photo as
    /// much as one with the default <see cref="MeanGradientStepRule"/> (mean absolute change from the input, sample photos
    /// chelsea and coffee: 1.03× and 1.06×). The notebook's own step, 1.0 on its 0..255 images (1/255 here), changes it
    /// twice as much and saturates.
    /// </summary>
    public const double DefaultStepSize = 0.0016;

    /// <summary>The default number of band-pass levels: 4, the notebook's <c>scale_n</c>.</summary>
    public const int DefaultLevels = 4;

    private const double MinimumRms = 1e-10;

    /// <summary>Creates the rule.</summary>
    /// <param name="stepSize">The factor applied to the normalised gradient, in [0,1] pixel units; positive. Default <see cref="DefaultStepSize"/>.</param>
    /// <param name="levels">Band-pass levels, 1 to 12. Default <see cref="DefaultLevels"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stepSize"/> is not positive and finite, or <paramref name="levels"/> is outside 1–12.</exception>
    public LaplacianStepRule(double stepSize = DefaultStepSize, int levels = DefaultLevels)
    {
        Guard.PositiveFinite(stepSize, nameof(stepSize));
        if (levels is < 1 or > 12) throw new ArgumentOutOfRangeException(nameof(levels), levels, "levels must be between 1 and 12.");
        StepSize = stepSize;
        Levels = levels;
    }

    /// <summary>The factor applied to the normalised gradient.</summary>
    public double StepSize { get; }

    /// <summary>The number of band-pass levels.</summary>
    public int Levels { get; }

    /// <inheritdoc />
    public Tensor Update(Tensor gradient)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        using var scope = NewDisposeScope();
        var levels = Split(gradient, Levels);
        for (var i = 0; i < levels.Length; i++) levels[i] = NormalizeRms(levels[i]);
        return Merge(levels).mul_(StepSize).MoveToOuterDisposeScope();
    }

    /// <summary>The pyramid of an N×C×H×W tensor: the low-pass rest first, then the band-pass levels from coarse to fine.</summary>
    internal static Tensor[] Split(Tensor image, int levels)
    {
        var result = new Tensor[levels + 1];
        var current = image;
        for (var i = levels; i >= 1; i--)
        {
            var low = Down(current);
            result[i] = current.sub(Up(low, current.shape[2], current.shape[3]));
            current = low;
        }
        result[0] = current;
        return result;
    }

    /// <summary>Merges a pyramid from <see cref="Split"/> back into one tensor.</summary>
    internal static Tensor Merge(IReadOnlyList<Tensor> levels)
    {
        var image = levels[0];
        for (var i = 1; i < levels.Count; i++) image = Up(image, levels[i].shape[2], levels[i].shape[3]).add_(levels[i]);
        return image;
    }

    private static Tensor NormalizeRms(Tensor level) => level.div(level.square().mean().sqrt().clamp_min(MinimumRms));

    /// <summary>TensorFlow's <c>conv2d(x, k, strides 2, 'SAME')</c>: zero padding ⌊p/2⌋ before and ⌈p/2⌉ after.</summary>
    private static Tensor Down(Tensor x)
    {
        var (top, bottom) = SamePadding(x.shape[2]);
        var (left, right) = SamePadding(x.shape[3]);
        var padded = nn.functional.pad(x, [left, right, top, bottom]);
        return nn.functional.conv2d(padded, Kernel(x, 1), strides: [2, 2], groups: x.shape[1]);
    }

    /// <summary>TensorFlow's <c>conv2d_transpose(x, 4k, shape, strides 2, 'SAME')</c>: the transpose of <see cref="Down"/>, times 4.</summary>
    private static Tensor Up(Tensor low, long height, long width)
    {
        var full = nn.functional.conv_transpose2d(low, Kernel(low, 4), strides: [2, 2], groups: low.shape[1]);
        var (top, _) = SamePadding(height);
        var (left, _) = SamePadding(width);
        return full.narrow(2, top, height).narrow(3, left, width);
    }

    /// <summary>SAME padding of a 5-tap, stride-2 convolution along a side of <paramref name="n"/>.</summary>
    private static (long Before, long After) SamePadding(long n)
    {
        var output = (n + 1) / 2;
        var total = Math.Max((output - 1) * 2 + 5 - n, 0);
        return (total / 2, total - total / 2);
    }

    /// <summary>The notebook's 5×5 binomial kernel, per channel (C×1×5×5), times <paramref name="gain"/>.</summary>
    private static Tensor Kernel(Tensor like, double gain)
    {
        var taps = tensor(new double[] { 1, 4, 6, 4, 1 }, dtype: like.dtype, device: like.device);
        var k = taps.outer(taps).mul_(gain / 256);
        return k.view(1, 1, 5, 5).expand(like.shape[1], 1, 5, 5);
    }
}
