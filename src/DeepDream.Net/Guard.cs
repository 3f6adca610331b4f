namespace DeepDream;

/// <summary>Argument checks shared by every option setter, so messages read the same everywhere.</summary>
internal static class Guard
{
    public static void Positive(int value, string name)
    {
        if (value < 1) throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least 1.");
    }

    public static void NonNegative(int value, string name)
    {
        if (value < 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must be 0 or more.");
    }

    public static void PositiveFinite(double value, string name)
    {
        if (!(value > 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive finite number.");
    }

    public static void GreaterThanOne(double value, string name)
    {
        if (!(value > 1) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number greater than 1.");
    }

    public static void Probability(double value, string name)
    {
        if (!(value >= 0 && value <= 1))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be between 0 and 1.");
    }

    public static void NotBlank(string? value, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"{name} must not be empty.", name);
    }

    /// <summary>A weight the float32 computation can carry: finite and within float32's range (±3.4e38).</summary>
    public static void Float32Weight(double value, string name)
    {
        if (!double.IsFinite(value) || Math.Abs(value) > float.MaxValue)
            throw new ArgumentException($"Weight {value.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not a finite float32 number (at most ±3.4e38 in magnitude); the dream computes in float32.", name);
    }
}
