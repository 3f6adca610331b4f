namespace DeepDream.Cli;

/// <summary>The process exit codes of <c>deepdream</c>.</summary>
internal static class ExitCodes
{
    /// <summary>The command succeeded.</summary>
    public const int Success = 0;

    /// <summary>An unexpected internal error (a bug): the message says so.</summary>
    public const int InternalError = 1;

    /// <summary>Bad command line: unknown option, bad value, unknown layer, unsupported output extension, conflicting options.</summary>
    public const int Usage = 2;

    /// <summary>An input or output file problem: unreadable image, missing guide, unwritable output.</summary>
    public const int File = 3;

    /// <summary>The model could not be loaded.</summary>
    public const int Model = 4;

    /// <summary>
    /// Cancelled with Ctrl-C (128 + SIGINT): nothing was written (an existing output is unchanged); a zoom or video keeps
    /// its finished frames in the frame folder, and the message says so.
    /// </summary>
    public const int Cancelled = 130;

    /// <summary>Stopped by SIGTERM (128 + SIGTERM), handled like Ctrl-C.</summary>
    public const int Terminated = 143;
}

/// <summary>A command-line mistake the user can fix (exit code 2). The message names the option and what to do.</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message) : base(message) { }

    public UsageException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>A file the tool must read or write is unusable (exit code 3). The message names the file.</summary>
internal sealed class FileAccessException : Exception
{
    public FileAccessException(string message) : base(message) { }

    public FileAccessException(string message, Exception? innerException) : base(message, innerException) { }
}
