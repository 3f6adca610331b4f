namespace DeepDream.Sequences;

/// <summary>A sequence's input cannot be used: not a video, no frames, a frame folder with gaps or mixed sizes.</summary>
public class FrameSourceException : DeepDreamException
{
    /// <summary>Creates the exception.</summary>
    public FrameSourceException() { }

    /// <summary>Creates the exception with a message that names the input and what to do.</summary>
    /// <param name="message">The message.</param>
    public FrameSourceException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public FrameSourceException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>A sequence's output cannot be written (the frame folder, the video or GIF file, or the encoder failed).</summary>
public class FrameSinkException : DeepDreamException
{
    /// <summary>Creates the exception.</summary>
    public FrameSinkException() { }

    /// <summary>Creates the exception with a message that names the output and what to do.</summary>
    /// <param name="message">The message.</param>
    public FrameSinkException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public FrameSinkException(string message, Exception? innerException) : base(message, innerException) { }
}
