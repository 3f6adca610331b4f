using System.Runtime.InteropServices;

namespace DeepDream.Diagnostics;

/// <summary>
/// The one place that turns TorchSharp's native failures into library errors. libtorch reports a failure as an
/// <see cref="ExternalException"/> whose message is one useful line followed by a C++ stack trace; callers catch it where
/// they can say what was being done, and throw <see cref="Wrap"/>'s exception: what failed, libtorch's line, what to do.
/// </summary>
internal static class NativeErrors
{
    /// <summary>Whether <paramref name="exception"/> is a libtorch failure surfaced by TorchSharp.</summary>
    public static bool IsNative(Exception exception) => exception is ExternalException;

    /// <summary>
    /// The part of an exception's message worth showing: for a libtorch failure its first line (the rest is the native
    /// stack trace), otherwise the whole message.
    /// </summary>
    public static string Reason(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var message = exception.Message;
        if (!IsNative(exception)) return message;
        var end = message.IndexOfAny(['\r', '\n']);
        return (end < 0 ? message : message[..end]).TrimEnd();
    }

    /// <summary>A <see cref="DeepDreamException"/> reading "<c>WHAT: REASON ADVICE</c>", with the native failure as its cause.</summary>
    /// <param name="what">What failed, naming the model and the size (no full stop).</param>
    /// <param name="exception">The caught failure.</param>
    /// <param name="advice">What to do, as a sentence; none when null.</param>
    public static DeepDreamException Wrap(string what, Exception exception, string? advice = null) =>
        new(advice is null ? $"{what}: {Reason(exception)}" : $"{what}: {Reason(exception)} {advice}", exception);
}
