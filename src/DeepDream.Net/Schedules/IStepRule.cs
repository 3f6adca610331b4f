using static TorchSharp.torch;

namespace DeepDream.Schedules;

/// <summary>Turns the gradient of one step into the update added to the image.</summary>
public interface IStepRule
{
    /// <summary>Returns the update for <paramref name="gradient"/>, in the caller's dispose scope.</summary>
    /// <param name="gradient">
    /// The gradient of the objective with respect to the (transformed) image. The loop hands over ownership: a rule may
    /// compute the update in the gradient's own storage and return it (saving one image-sized buffer per step).
    /// </param>
    Tensor Update(Tensor gradient);
}

/// <summary>
/// The reference step rule: <c>update = stepSize · g / mean(|g|)</c>, so every step moves pixels by
/// <see cref="StepSize"/> on average whatever the gradient's scale. A zero gradient gives a zero update.
/// </summary>
public sealed class MeanGradientStepRule : IStepRule
{
    /// <summary>
    /// The default step size: 0.0045 in [0,1] pixel units, the reference's 0.02 in ImageNet-normalised units
    /// (0.02 × a mean ImageNet std of about 0.226).
    /// </summary>
    public const double DefaultStepSize = 0.0045;

    // Smallest divisor: leaves every non-degenerate mean untouched (bit for bit) and turns 0/0 into 0.
    private const float MinimumMean = 1e-30f;

    /// <summary>Creates the rule.</summary>
    /// <param name="stepSize">Mean absolute change per step in [0,1] pixel units; positive. Default <see cref="DefaultStepSize"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stepSize"/> is not positive and finite.</exception>
    public MeanGradientStepRule(double stepSize = DefaultStepSize)
    {
        Guard.PositiveFinite(stepSize, nameof(stepSize));
        StepSize = stepSize;
    }

    /// <summary>Mean absolute change per step in [0,1] pixel units.</summary>
    public double StepSize { get; }

    /// <inheritdoc />
    public Tensor Update(Tensor gradient)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        // mean(|g|) exactly as the reference computes it; the |g| buffer is released at once.
        Tensor mean;
        using (var magnitude = gradient.abs())
        {
            mean = magnitude.mean().clamp_min_(MinimumMean);
        }
        return gradient.mul_((float)StepSize).div_(mean);
    }
}
