namespace DeepDream;

/// <summary>
/// The one way the library checks arguments, so messages read the same everywhere: "<c>NAME must be …</c>", with the
/// argument's name (or a short description of it) and the rule. Null checks use the runtime's
/// <see cref="ArgumentNullException.ThrowIfNull(object?, string?)"/> directly; every other argument rule (ranges,
/// emptiness) goes through this class. Checks of an argument's content that need their own wording (tensor shapes,
/// channel lists, layer names) throw <see cref="ArgumentException"/> with that message.
/// </summary>
internal static class Guard
{
    /// <summary>At least 1.</summary>
    public static void Positive(int value, string name)
    {
        if (value < 1) throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least 1.");
    }

    /// <summary>At least 1.</summary>
    public static void Positive(long value, string name)
    {
        if (value < 1) throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least 1.");
    }

    /// <summary>0 or more.</summary>
    public static void NonNegative(int value, string name)
    {
        if (value < 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must be 0 or more.");
    }

    /// <summary>At least <paramref name="minimum"/>; <paramref name="what"/> (default: the name) and <paramref name="minimumText"/> (default: the number) word the message.</summary>
    public static void AtLeast(long value, long minimum, string name, string? what = null, string? minimumText = null)
    {
        if (value < minimum)
            throw new ArgumentOutOfRangeException(name, value, $"{what ?? name} must be at least {minimumText ?? minimum.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
    }

    /// <summary>From <paramref name="minimum"/> to <paramref name="maximum"/> inclusive; <paramref name="what"/> (default: the name) and <paramref name="unit"/> (such as " pixels") word the message.</summary>
    public static void Between(long value, long minimum, long maximum, string name, string? what = null, string unit = "")
    {
        if (value < minimum || value > maximum)
            throw new ArgumentOutOfRangeException(name, value, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{what ?? name} must be between {minimum} and {maximum}{unit}."));
    }

    /// <summary>Greater than 0 and finite (not NaN).</summary>
    public static void PositiveFinite(double value, string name)
    {
        if (!(value > 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive finite number.");
    }

    /// <summary>Greater than 1 and finite (not NaN).</summary>
    public static void GreaterThanOne(double value, string name)
    {
        if (!(value > 1) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number greater than 1.");
    }

    /// <summary>Between 0 and 1 inclusive (not NaN).</summary>
    public static void Probability(double value, string name)
    {
        if (!(value >= 0 && value <= 1))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be between 0 and 1.");
    }

    /// <summary>Not null (<see cref="ArgumentNullException"/>), not empty and not only white space (<see cref="ArgumentException"/>).</summary>
    public static void NotBlank(string? value, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"{name} must not be empty.", name);
    }

    /// <summary>Not null (<see cref="ArgumentNullException"/>) and not empty (<see cref="ArgumentException"/>); white space is allowed (a file name may be one).</summary>
    public static void NotEmpty(string? value, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        if (value.Length == 0) throw new ArgumentException($"{name} must not be empty.", name);
    }

    /// <summary>A weight the float32 computation can carry: finite and within float32's range (±3.4e38).</summary>
    public static void Float32Weight(double value, string name)
    {
        if (!double.IsFinite(value) || Math.Abs(value) > float.MaxValue)
            throw new ArgumentException($"Weight {value.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not a finite float32 number (at most ±3.4e38 in magnitude); the dream computes in float32.", name);
    }
}
