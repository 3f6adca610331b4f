namespace DeepDream.Imaging;

/// <summary>An image could not be written: the folder is missing, the path is a folder, access was denied, or encoding failed.
/// Saving is atomic, so an existing file at the target is unchanged when this is thrown.</summary>
public class ImageSaveException : DeepDreamException
{
    /// <summary>Creates the exception.</summary>
    public ImageSaveException() { }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong, naming the file.</param>
    public ImageSaveException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What is wrong, naming the file.</param>
    /// <param name="innerException">The underlying error.</param>
    public ImageSaveException(string message, Exception? innerException) : base(message, innerException) { }
}
