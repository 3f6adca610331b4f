namespace DeepDream.Schedules;

/// <summary>
/// The octave pyramid: octave 0 is the input; octave k+1 is octave k resized to
/// <c>(round(h_k / scale), round(w_k / scale))</c>, each size computed from the previous one. Rounding is to the nearest
/// integer with ties to even (as Python's <c>round</c>), in double precision. The smallest octave is processed first.
/// </summary>
public sealed class OctaveSchedule
{
    /// <summary>The default number of octaves: 6 (the reference implementation's).</summary>
    public const int DefaultCount = 6;

    /// <summary>The default ratio between consecutive octave sizes: 1.4 (the reference implementation's).</summary>
    public const double DefaultScale = 1.4;

    /// <summary>Creates a schedule.</summary>
    /// <param name="count">Number of octaves, at least 1. Default <see cref="DefaultCount"/>.</param>
    /// <param name="scale">Size ratio between consecutive octaves, greater than 1. Default <see cref="DefaultScale"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1 or <paramref name="scale"/> is not greater than 1 and finite.</exception>
    public OctaveSchedule(int count = DefaultCount, double scale = DefaultScale)
    {
        Guard.Positive(count, nameof(count));
        Guard.GreaterThanOne(scale, nameof(scale));
        Count = count;
        Scale = scale;
    }

    /// <summary>The number of octaves requested.</summary>
    public int Count { get; }

    /// <summary>The size ratio between consecutive octaves.</summary>
    public double Scale { get; }

    /// <summary>The size of the next smaller octave.</summary>
    /// <param name="size">The current octave's size.</param>
    public OctaveSize Shrink(OctaveSize size) =>
        new((int)Math.Round(size.Height / Scale, MidpointRounding.ToEven), (int)Math.Round(size.Width / Scale, MidpointRounding.ToEven));

    /// <summary>
    /// The octave sizes for an input of the given size, full size first, limited so that no octave is smaller than
    /// <paramref name="minimumSize"/> (and 1 pixel) on either side. The pyramid also ends where shrinking no longer
    /// changes the size (1×1 stays 1×1), so any <see cref="Count"/>, even <see cref="int.MaxValue"/>, gives at most a
    /// few dozen octaves.
    /// </summary>
    /// <param name="input">The full-size image size.</param>
    /// <param name="minimumSize">The model's minimum input side in pixels (1 when unknown).</param>
    /// <returns>Between 1 and <see cref="Count"/> sizes, from the input size down, all different.</returns>
    /// <exception cref="ImageTooSmallException">The input itself is below <paramref name="minimumSize"/>.</exception>
    public IReadOnlyList<OctaveSize> Sizes(OctaveSize input, int minimumSize = 1)
    {
        if (input.Height < minimumSize || input.Width < minimumSize)
        {
            throw new ImageTooSmallException(
                $"The image is {input.Width}×{input.Height} pixels but the model needs at least {minimumSize}×{minimumSize} for the chosen layers; use a larger image or a shallower layer.");
        }

        var floor = Math.Max(1, minimumSize);
        var sizes = new List<OctaveSize>(Math.Min(Count, 32)) { input };
        while (sizes.Count < Count)
        {
            var next = Shrink(sizes[^1]);
            if (next.Height < floor || next.Width < floor || next == sizes[^1]) break;
            sizes.Add(next);
        }
        return sizes;
    }
}

/// <summary>The pixel size of one octave.</summary>
/// <param name="Height">Height in pixels.</param>
/// <param name="Width">Width in pixels.</param>
public readonly record struct OctaveSize(int Height, int Width)
{
    /// <inheritdoc />
    public override string ToString() => $"{Width}×{Height}";
}
