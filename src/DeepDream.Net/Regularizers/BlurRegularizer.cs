using static TorchSharp.torch;

namespace DeepDream.Regularizers;

/// <summary>
/// Smooths every step's update with a Gaussian of standard deviation <see cref="Sigma"/> pixels (the gradient blur of
/// many deep dream tools): the model sees the image unchanged, and the change it asks for loses its pixel-level noise, so
/// patterns come out larger and softer. A Gaussian is symmetric, so this is also the exact gradient of dreaming on a
/// blurred copy of the image. Edges are extended (replicated) for the blur.
/// </summary>
public sealed class BlurRegularizer : IRegularizer
{
    private readonly BlurStep _step;

    /// <summary>Creates the regularizer.</summary>
    /// <param name="sigma">The Gaussian's standard deviation in pixels, in (0, 16]. Default 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sigma"/> is not in (0, 16].</exception>
    public BlurRegularizer(double sigma = 1.0)
    {
        Guard.PositiveFinite(sigma, nameof(sigma));
        if (sigma > 16) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "sigma must be at most 16 pixels.");
        Sigma = sigma;
        _step = new BlurStep(sigma);
    }

    /// <summary>The Gaussian's standard deviation in pixels.</summary>
    public double Sigma { get; }

    /// <inheritdoc />
    public IRegularizerStep Sample(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return _step;
    }

    /// <summary>The normalised 1-D Gaussian weights for offsets −r … r, r = ⌈3σ⌉.</summary>
    internal static double[] Kernel(double sigma)
    {
        var radius = (int)Math.Ceiling(3 * sigma);
        var weights = new double[2 * radius + 1];
        for (var i = -radius; i <= radius; i++) weights[i + radius] = Math.Exp(-i * i / (2 * sigma * sigma));
        var sum = weights.Sum();
        for (var i = 0; i < weights.Length; i++) weights[i] /= sum;
        return weights;
    }

    /// <summary>Blurs each channel of N×C×H×W <paramref name="t"/> separably, with replicated edges.</summary>
    internal static Tensor Blur(Tensor t, double sigma)
    {
        ArgumentNullException.ThrowIfNull(t);
        using var scope = NewDisposeScope();
        var weights = Kernel(sigma);
        var radius = weights.Length / 2;
        var channels = t.shape[1];
        var kernel = tensor(weights, dtype: t.dtype, device: t.device);
        var horizontal = kernel.view(1, 1, 1, -1).expand(channels, 1, 1, weights.Length);
        var vertical = kernel.view(1, 1, -1, 1).expand(channels, 1, weights.Length, 1);
        var padded = nn.functional.pad(t, [radius, radius, radius, radius], TorchSharp.PaddingModes.Replicate);
        var rows = nn.functional.conv2d(padded, horizontal, groups: channels);
        return nn.functional.conv2d(rows, vertical, groups: channels).MoveToOuterDisposeScope();
    }

    private sealed class BlurStep(double sigma) : IRegularizerStep
    {
        public Tensor Apply(Tensor image) => image.alias();

        public Tensor Invert(Tensor update) => Blur(update, sigma);
    }
}
