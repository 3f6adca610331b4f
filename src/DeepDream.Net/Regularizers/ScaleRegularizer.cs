using static TorchSharp.torch;

namespace DeepDream.Regularizers;

/// <summary>
/// Random scaling (Lucid's <c>random_scale</c>): each step draws a factor uniformly in [<see cref="MinScale"/>,
/// <see cref="MaxScale"/>], the model sees the image resized by it (bilinear), and the update is resized back to the
/// image's size. Features that survive small changes of scale are reinforced, pixel-grid artefacts are not.
/// </summary>
public sealed class ScaleRegularizer : IRegularizer
{
    /// <summary>Creates the regularizer.</summary>
    /// <param name="minScale">The smallest factor, positive. Default 0.95.</param>
    /// <param name="maxScale">The largest factor, at least <paramref name="minScale"/> and at most 4. Default 1.05.</param>
    /// <exception cref="ArgumentOutOfRangeException">A factor is not positive and finite, <paramref name="maxScale"/> is below <paramref name="minScale"/>, or above 4.</exception>
    public ScaleRegularizer(double minScale = 0.95, double maxScale = 1.05)
    {
        Guard.PositiveFinite(minScale, nameof(minScale));
        Guard.PositiveFinite(maxScale, nameof(maxScale));
        if (maxScale < minScale) throw new ArgumentOutOfRangeException(nameof(maxScale), maxScale, $"maxScale must be at least minScale ({minScale}).");
        if (maxScale > 4) throw new ArgumentOutOfRangeException(nameof(maxScale), maxScale, "maxScale must be at most 4.");
        MinScale = minScale;
        MaxScale = maxScale;
    }

    /// <summary>The smallest factor.</summary>
    public double MinScale { get; }

    /// <summary>The largest factor.</summary>
    public double MaxScale { get; }

    /// <inheritdoc />
    public double MinimumScale => Math.Min(1.0, MinScale);

    /// <inheritdoc />
    public IRegularizerStep Sample(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return new ScaleStep(MinScale + random.NextDouble() * (MaxScale - MinScale));
    }

    /// <summary>One step's scaling: the image is resized by <see cref="Factor"/>, the update back to the image's size.</summary>
    /// <param name="factor">The factor.</param>
    internal sealed class ScaleStep(double factor) : IRegularizerStep
    {
        private long _height = -1, _width = -1;

        public double Factor => factor;

        public Tensor Apply(Tensor image)
        {
            ArgumentNullException.ThrowIfNull(image);
            (_height, _width) = (image.shape[2], image.shape[3]);
            var height = Math.Max(1, (long)Math.Round(_height * factor, MidpointRounding.ToEven));
            var width = Math.Max(1, (long)Math.Round(_width * factor, MidpointRounding.ToEven));
            return Resize(image, height, width);
        }

        public Tensor Invert(Tensor update)
        {
            ArgumentNullException.ThrowIfNull(update);
            if (_height < 0) throw new InvalidOperationException("Invert needs the image size that Apply saw; call Apply first.");
            return Resize(update, _height, _width);
        }

        private static Tensor Resize(Tensor t, long height, long width) =>
            t.shape[2] == height && t.shape[3] == width
                ? t.alias()
                : nn.functional.interpolate(t, [height, width], mode: InterpolationMode.Bilinear, align_corners: false);
    }
}
