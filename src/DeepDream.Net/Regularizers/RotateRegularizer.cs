using static TorchSharp.torch;

namespace DeepDream.Regularizers;

/// <summary>
/// Random rotation about the image's centre (Lucid's <c>random_rotate</c>): each step draws an angle uniformly in
/// [−<see cref="MaxDegrees"/>, <see cref="MaxDegrees"/>]; the model sees the image rotated by it (bilinear, the corners
/// filled by reflection), and the update is rotated back (nothing is added where the rotated frame did not reach).
/// Positive angles turn the picture clockwise as displayed.
/// </summary>
public sealed class RotateRegularizer : IRegularizer
{
    /// <summary>Creates the regularizer.</summary>
    /// <param name="maxDegrees">The largest angle in degrees, in [0, 180]. Default 5.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxDegrees"/> is outside [0, 180].</exception>
    public RotateRegularizer(double maxDegrees = 5)
    {
        if (!(maxDegrees >= 0 && maxDegrees <= 180)) throw new ArgumentOutOfRangeException(nameof(maxDegrees), maxDegrees, "maxDegrees must be between 0 and 180.");
        MaxDegrees = maxDegrees;
    }

    /// <summary>The largest angle in degrees.</summary>
    public double MaxDegrees { get; }

    /// <inheritdoc />
    public IRegularizerStep Sample(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return new RotateStep((random.NextDouble() * 2 - 1) * MaxDegrees);
    }

    /// <summary>One step's rotation by a fixed angle.</summary>
    /// <param name="degrees">The angle; positive turns the picture clockwise.</param>
    internal sealed class RotateStep(double degrees) : IRegularizerStep
    {
        public double Degrees => degrees;

        public Tensor Apply(Tensor image) => Rotate(image, degrees, GridSamplePaddingMode.Reflection);

        public Tensor Invert(Tensor update) => Rotate(update, -degrees, GridSamplePaddingMode.Zeros);
    }

    /// <summary>
    /// Rotates N×C×H×W <paramref name="t"/> about its centre: output pixel p (in pixels from the centre, y down) takes the
    /// bilinear sample at R(−θ)·p, so content turns clockwise by θ on screen. Works in pixel units, so non-square images
    /// rotate without shearing.
    /// </summary>
    internal static Tensor Rotate(Tensor t, double degrees, GridSamplePaddingMode padding)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (degrees == 0) return t.alias();
        using var scope = NewDisposeScope();
        long n = t.shape[0], height = t.shape[2], width = t.shape[3];
        var radians = degrees * Math.PI / 180;
        var (sin, cos) = Math.SinCos(radians);
        // Pixel centres relative to the image centre, then the source position, then grid_sample's [-1, 1] units.
        var xs = arange(width, dtype: t.dtype, device: t.device).add_(0.5 - width / 2.0).view(1, width);
        var ys = arange(height, dtype: t.dtype, device: t.device).add_(0.5 - height / 2.0).view(height, 1);
        var sourceX = xs.mul(cos).add(ys.mul(sin)).mul_(2.0 / width);
        var sourceY = ys.mul(cos).sub(xs.mul(sin)).mul_(2.0 / height);
        var grid = stack([sourceX, sourceY], dim: -1).unsqueeze(0).expand(n, height, width, 2);
        return nn.functional.grid_sample(t, grid, GridSampleMode.Bilinear, padding, align_corners: false).MoveToOuterDisposeScope();
    }
}
