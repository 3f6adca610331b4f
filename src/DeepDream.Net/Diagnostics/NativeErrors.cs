using System.Runtime.InteropServices;

namespace DeepDream.Diagnostics;

/// <summary>
/// The one place that turns exception texts — libtorch's in particular — into library errors. libtorch reports a failure
/// as an <see cref="ExternalException"/> whose message is one useful line followed by a C++ stack trace; callers catch it
/// where they can say what was being done and throw <see cref="Wrap"/>'s exception (what failed, the one line, what to
/// do), or put <see cref="Summary"/> into their own exception's message.
/// </summary>
internal static class NativeErrors
{
    /// <summary>The longest summary kept; longer texts are cut with an ellipsis.</summary>
    internal const int MaxLength = 300;

    /// <summary>Whether <paramref name="exception"/> is a libtorch failure surfaced by TorchSharp.</summary>
    public static bool IsNative(Exception exception) => exception is ExternalException;

    /// <summary>
    /// The first line of <paramref name="exception"/>'s message, without libtorch's C++ stack trace ("Exception raised
    /// from …", "frame #0: …"), cut to <see cref="MaxLength"/> characters. The full text stays on the exception's
    /// <c>InnerException</c> for verbose output.
    /// </summary>
    public static string Summary(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var text = exception.Message;
        var cut = text.IndexOfAny(['\n', '\r']);
        if (cut >= 0) text = text[..cut];
        var raised = text.IndexOf("Exception raised from", StringComparison.Ordinal);
        if (raised >= 0) text = text[..raised];
        text = text.Trim();
        return text.Length <= MaxLength ? text : text[..(MaxLength - 1)] + "…";
    }

    /// <summary>A <see cref="DeepDreamException"/> reading "<c>WHAT: SUMMARY ADVICE</c>", with the failure as its cause.</summary>
    /// <param name="what">What failed, naming the model and the size (no full stop).</param>
    /// <param name="exception">The caught failure.</param>
    /// <param name="advice">What to do, as a sentence; none when null.</param>
    public static DeepDreamException Wrap(string what, Exception exception, string? advice = null) =>
        new(advice is null ? $"{what}: {Summary(exception)}" : $"{what}: {Summary(exception)} {advice}", exception);
}
