namespace DeepDream.Diagnostics;

/// <summary>Turns exception texts — libtorch's in particular — into one readable line for a message.</summary>
internal static class NativeErrors
{
    /// <summary>The longest summary kept; longer texts are cut with an ellipsis.</summary>
    internal const int MaxLength = 300;

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
}
