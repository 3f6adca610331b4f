namespace DeepDream.Diagnostics;

/// <summary>
/// The one wording of "the dream produced NaN or infinite pixels". In bfloat16 the usual cause is the number type
/// itself (its 8-bit mantissa rounds a small denominator such as <c>x + 0.5</c> to exactly 0, and 1/0 is infinite), so
/// the message says so and points to float32; in float32 it points to the weights and the preprocessing.
/// </summary>
internal static class NonFiniteErrors
{
    /// <summary>The library's advice for a bfloat16 network; the CLI words it as its own switch.</summary>
    public const string UseFloat32 = "use Precision.Float32";

    /// <summary>The error for an octave whose pixels are no longer finite.</summary>
    /// <param name="model">The model's name.</param>
    /// <param name="precision">The number type the network ran in.</param>
    /// <param name="octave">The octave (1-based).</param>
    /// <param name="size">The octave's size.</param>
    public static DeepDreamException Pixels(string model, Precision precision, int octave, Schedules.OctaveSize size) => new(
        $"The dream with '{model}' produced NaN or infinite pixels in octave {octave} ({size}): " + Cause(precision));

    private static string Cause(Precision precision) => precision == Precision.BFloat16
        ? $"the network ran in bfloat16, whose 8-bit mantissa can round a denominator to 0 or overflow an intermediate value; {UseFloat32} (if float32 fails too, use smaller weights or check the preprocessing mean/std)."
        : "the objective's weights or the model's preprocessing overflow float32, or the model computes NaN. Use smaller weights or check the preprocessing mean/std.";
}
