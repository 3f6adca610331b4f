namespace DeepDream.Cli;

/// <summary>The one place where exceptions become exit codes and plain-sentence messages.</summary>
internal static class ErrorReporter
{
    /// <summary>Maps an exception to its exit code and the message to print.</summary>
    public static (int ExitCode, string Message) Classify(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        SequenceStoppedException e when cancellationToken.IsCancellationRequested => (ExitCodes.Cancelled, e.Message),
        OperationCanceledException when cancellationToken.IsCancellationRequested => (ExitCodes.Cancelled, "Cancelled; no output was written."),
        UsageException e => (ExitCodes.Usage, e.Message),
        FileAccessException e => (ExitCodes.File, e.Message),
        ImageLoadException e => (ExitCodes.File, e.Message),
        ImageTooSmallException e => (ExitCodes.File, e.Message),
        ModelLoadException e => (ExitCodes.Model, CliWording(e.Message)),
        Sequences.Jobs.SequenceJobMismatchException e => (ExitCodes.Usage, RestartWording(e.Message)),
        Sequences.FrameSinkException e => (ExitCodes.File, RestartWording(e.Message)),
        Sequences.FrameSourceException or DependencyMissingException => (ExitCodes.File, exception.Message),
        // Any other library error comes from running the model (a forward or gradient pass that failed).
        DeepDreamException e => (ExitCodes.Model, CliWording(e.Message)),
        _ => (ExitCodes.InternalError,
            $"Unexpected error ({exception.GetType().Name}): {Diagnostics.NativeErrors.Summary(exception)} Run again with --verbose for details, and please report it if it persists."),
    };

    /// <summary>
    /// System.CommandLine names the expected type in parse errors as .NET spells it (<c>System.Nullable`1[System.Int32]</c>);
    /// users read "an integer".
    /// </summary>
    public static string FriendlyTypeNames(string message) => message
        .Replace("'System.Nullable`1[System.Int32]'", "an integer", StringComparison.Ordinal)
        .Replace("'System.Nullable`1[System.Double]'", "a number", StringComparison.Ordinal)
        .Replace("'System.Int32'", "an integer", StringComparison.Ordinal)
        .Replace("'System.Double'", "a number", StringComparison.Ordinal)
        .Replace("expected type an integer", "an integer", StringComparison.Ordinal)
        .Replace("expected type a number", "a number", StringComparison.Ordinal);

    /// <summary>Library advice that has a command-line switch, worded as that switch.</summary>
    private static string CliWording(string message) =>
        message.Replace("set OnnxImportOptions.ResizeForFixedSizeLayers", "pass --resize-fixed", StringComparison.Ordinal)
            .Replace("set OnnxImportOptions.SymmetricPadsFromBegin", "pass --symmetric-pads", StringComparison.Ordinal)
            .Replace(Diagnostics.NonFiniteErrors.UseFloat32, "pass --precision fp32", StringComparison.Ordinal);

    /// <summary>The library's "start over" (<c>SequenceJob.Open</c>'s <c>restart</c>) worded as the switch that does it.</summary>
    private static string RestartWording(string message) =>
        message.Replace("; start over to ", "; pass --restart to ", StringComparison.Ordinal);

    /// <summary>Writes the error to <paramref name="stderr"/> and returns the exit code.</summary>
    public static int Report(Exception exception, TextWriter stderr, bool verbose, CancellationToken cancellationToken)
    {
        var (code, message) = Classify(exception, cancellationToken);
        stderr.WriteLine(code == ExitCodes.Cancelled ? message : "error: " + message);
        if (verbose && code != ExitCodes.Cancelled) stderr.WriteLine(exception.ToString());
        return code;
    }
}
