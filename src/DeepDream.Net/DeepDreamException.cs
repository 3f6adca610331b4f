namespace DeepDream;

/// <summary>Base class of every error DeepDream.Net reports about its inputs (files, models, settings it cannot honour).</summary>
public class DeepDreamException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DeepDreamException() { }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong and what to do.</param>
    public DeepDreamException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What is wrong and what to do.</param>
    /// <param name="innerException">The underlying error.</param>
    public DeepDreamException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>A model file or module could not be loaded or used: missing, truncated, wrong format, unsupported operator, weights that do not fit.</summary>
public class ModelLoadException : DeepDreamException
{
    /// <summary>Creates the exception.</summary>
    public ModelLoadException() { }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong, naming the file.</param>
    public ModelLoadException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What is wrong, naming the file.</param>
    /// <param name="innerException">The underlying error.</param>
    public ModelLoadException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>An image file could not be read: missing, not an image, truncated, unsupported, or over the pixel limit.</summary>
public class ImageLoadException : DeepDreamException
{
    /// <summary>Creates the exception.</summary>
    public ImageLoadException() { }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong, naming the file.</param>
    public ImageLoadException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What is wrong, naming the file.</param>
    /// <param name="innerException">The underlying error.</param>
    public ImageLoadException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>The image is smaller than the model's minimum input size, so no octave can be processed.</summary>
public class ImageTooSmallException : DeepDreamException
{
    /// <summary>Creates the exception.</summary>
    public ImageTooSmallException() { }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The image size and the model's minimum.</param>
    public ImageTooSmallException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The image size and the model's minimum.</param>
    /// <param name="innerException">The underlying error.</param>
    public ImageTooSmallException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>A program or native library a feature needs is missing: ffmpeg/ffprobe, OpenCV's native library, or TorchSharp's native backend (no TorchSharp-cpu or CUDA backend package referenced).</summary>
public class DependencyMissingException : DeepDreamException
{
    /// <summary>Creates the exception.</summary>
    public DependencyMissingException() { }

    /// <summary>Creates the exception with a message that says how to install what is missing.</summary>
    /// <param name="message">The message.</param>
    public DependencyMissingException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public DependencyMissingException(string message, Exception? innerException) : base(message, innerException) { }
}
