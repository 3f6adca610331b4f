using static TorchSharp.torch;

namespace DeepDream.Regularizers;

/// <summary>Mirrors the image left–right with the given probability each step (and the update back).</summary>
public sealed class RandomFlipRegularizer : IRegularizer
{
    private static readonly IRegularizerStep Flip = new FlipStep();
    private static readonly IRegularizerStep Identity = new IdentityStep();

    /// <summary>Creates the regularizer.</summary>
    /// <param name="probability">Chance of a flip at each step, in [0,1]. Default 0.5.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="probability"/> is outside [0,1].</exception>
    public RandomFlipRegularizer(double probability = 0.5)
    {
        Guard.Probability(probability, nameof(probability));
        Probability = probability;
    }

    /// <summary>Chance of a flip at each step.</summary>
    public double Probability { get; }

    /// <inheritdoc />
    public IRegularizerStep Sample(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return random.NextDouble() < Probability ? Flip : Identity;
    }

    private sealed class FlipStep : IRegularizerStep
    {
        public Tensor Apply(Tensor image) => image.flip(-1);

        public Tensor Invert(Tensor update) => update.flip(-1);
    }

    private sealed class IdentityStep : IRegularizerStep
    {
        public Tensor Apply(Tensor image) => image.alias();

        public Tensor Invert(Tensor update) => update.alias();
    }
}
