using static TorchSharp.torch;

namespace DeepDream.Regularizers;

/// <summary>
/// Random circular shift (the reference's "roll jitter"): each step draws <c>dx</c> then <c>dy</c>, each uniform in
/// <c>[-MaxShift, MaxShift]</c> via <see cref="Random.Next(int, int)"/>, rolls the image by <c>dy</c> rows and
/// <c>dx</c> columns, and rolls the update back by <c>(-dy, -dx)</c>.
/// </summary>
public sealed class JitterRegularizer : IRegularizer
{
    /// <summary>The default maximum shift: 32 pixels (the reference's).</summary>
    public const int DefaultMaxShift = 32;

    /// <summary>Creates the regularizer.</summary>
    /// <param name="maxShift">Largest shift in pixels along each axis; 0 or more. Default <see cref="DefaultMaxShift"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxShift"/> is negative.</exception>
    public JitterRegularizer(int maxShift = DefaultMaxShift)
    {
        Guard.NonNegative(maxShift, nameof(maxShift));
        MaxShift = maxShift;
    }

    /// <summary>Largest shift in pixels along each axis.</summary>
    public int MaxShift { get; }

    /// <inheritdoc />
    public IRegularizerStep Sample(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var dx = random.Next(-MaxShift, MaxShift + 1);
        var dy = random.Next(-MaxShift, MaxShift + 1);
        return new RollStep(dx, dy);
    }

    /// <summary>A fixed circular shift.</summary>
    /// <param name="Dx">Columns to shift right (negative: left).</param>
    /// <param name="Dy">Rows to shift down (negative: up).</param>
    internal sealed record RollStep(int Dx, int Dy) : IRegularizerStep
    {
        /// <inheritdoc />
        public Tensor Apply(Tensor image) => Roll(image, Dy, Dx);

        /// <inheritdoc />
        public Tensor Invert(Tensor update) => Roll(update, -Dy, -Dx);

        private static Tensor Roll(Tensor t, int rows, int columns)
        {
            ArgumentNullException.ThrowIfNull(t);
            return t.roll((rows, columns), (-2, -1));
        }
    }
}
