namespace DeepDream.Cli;

/// <summary>The one place where exceptions become exit codes and plain-sentence messages.</summary>
internal static class ErrorReporter
{
    /// <summary>Maps an exception to its exit code and the message to print.</summary>
    public static (int ExitCode, string Message) Classify(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => (ExitCodes.Cancelled, "Cancelled; no output was written."),
        UsageException e => (ExitCodes.Usage, e.Message),
        FileAccessException e => (ExitCodes.File, e.Message),
        ImageLoadException e => (ExitCodes.File, e.Message),
        ImageTooSmallException e => (ExitCodes.File, e.Message),
        ModelLoadException e => (ExitCodes.Model, e.Message),
        Sequences.Jobs.SequenceJobMismatchException e => (ExitCodes.Usage, e.Message + " Use --restart to start over."),
        Sequences.FrameSourceException or Sequences.FrameSinkException or Sequences.DependencyMissingException => (ExitCodes.File, exception.Message),
        // Any other library error comes from running the model (a forward or gradient pass that failed).
        DeepDreamException e => (ExitCodes.Model, e.Message),
        _ => (ExitCodes.InternalError,
            $"Unexpected error ({exception.GetType().Name}): {exception.Message} Run again with --verbose for details, and please report it if it persists."),
    };

    /// <summary>Writes the error to <paramref name="stderr"/> and returns the exit code.</summary>
    public static int Report(Exception exception, TextWriter stderr, bool verbose, CancellationToken cancellationToken)
    {
        var (code, message) = Classify(exception, cancellationToken);
        stderr.WriteLine(code == ExitCodes.Cancelled ? message : "error: " + message);
        if (verbose && code != ExitCodes.Cancelled) stderr.WriteLine(exception.ToString());
        return code;
    }
}
