using System.Globalization;

namespace DeepDream.Sequences.Media;

/// <summary>A frame rate as an exact fraction (video files use fractions such as 30000/1001).</summary>
public readonly record struct FrameRate
{
    /// <summary>Creates a frame rate of <paramref name="numerator"/>/<paramref name="denominator"/> frames per second.</summary>
    /// <param name="numerator">Positive.</param>
    /// <param name="denominator">Positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A part is not positive, or the rate is above 1000 fps.</exception>
    public FrameRate(int numerator, int denominator = 1)
    {
        Guard.Positive(numerator, nameof(numerator));
        Guard.Positive(denominator, nameof(denominator));
        if ((double)numerator / denominator > 1000) throw new ArgumentOutOfRangeException(nameof(numerator), numerator, "A frame rate must be at most 1000 fps.");
        var g = Gcd(numerator, denominator);
        Numerator = numerator / g;
        Denominator = denominator / g;
    }

    /// <summary>The numerator.</summary>
    public int Numerator { get; }

    /// <summary>The denominator.</summary>
    public int Denominator { get; }

    /// <summary>Frames per second.</summary>
    public double Value => (double)Numerator / Denominator;

    /// <summary>Parses <c>24</c>, <c>23.976</c> or <c>30000/1001</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="rate">The rate.</param>
    /// <returns>Whether the text is a positive rate of at most 1000 fps.</returns>
    public static bool TryParse(string? text, out FrameRate rate)
    {
        rate = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var parts = text.Trim().Split('/');
        if (parts.Length == 2)
        {
            if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var d) || n < 1 || d < 1 || (double)n / d > 1000) return false;
            rate = new FrameRate(n, d);
            return true;
        }
        if (!double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var fps) || !(fps > 0) || fps > 1000) return false;
        var scaled = (int)Math.Round(fps * 1000);
        if (scaled < 1) return false;
        rate = new FrameRate(scaled, 1000);
        return true;
    }

    /// <summary><c>N/D</c>, or <c>N</c> when the denominator is 1 (the form ffmpeg accepts).</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Denominator == 1
        ? Numerator.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{Numerator}/{Denominator}");

    private static int Gcd(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }
}
