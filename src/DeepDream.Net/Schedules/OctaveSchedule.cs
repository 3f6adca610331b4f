namespace DeepDream.Schedules;

/// <summary>
/// The default octave schedule, the reference's pyramid: from the input down, each octave is the previous one resized to
/// <c>(round(w / scale), round(h / scale))</c>, each size computed from the previous one. Rounding is to the nearest
/// integer with ties to even (as Python's <c>round</c>), in double precision. Sizes come smallest first, as they are
/// processed, ending at the input's size.
/// </summary>
public sealed class OctaveSchedule : IOctaveSchedule
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
        new((int)Math.Round(size.Width / Scale, MidpointRounding.ToEven), (int)Math.Round(size.Height / Scale, MidpointRounding.ToEven));

    /// <summary>
    /// The octave sizes for an input of the given size, smallest first (the order they are processed), limited so that no
    /// octave is smaller than <paramref name="minimumSize"/> (and 1 pixel) on either side. The pyramid also ends where
    /// shrinking no longer changes the size (1×1 stays 1×1), so any <see cref="Count"/>, even <see cref="int.MaxValue"/>,
    /// gives at most a few dozen octaves.
    /// </summary>
    /// <param name="input">The full-size image size.</param>
    /// <param name="minimumSize">The model's minimum input side in pixels (1 when unknown).</param>
    /// <returns>Between 1 and <see cref="Count"/> sizes, all different, the last one the input's size.</returns>
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
        sizes.Reverse();
        return sizes;
    }
}

/// <summary>The pixel size of one octave (width first, as everywhere in the library).</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public readonly record struct OctaveSize(int Width, int Height)
{
    /// <inheritdoc />
    public override string ToString() => $"{Width}×{Height}";
}
