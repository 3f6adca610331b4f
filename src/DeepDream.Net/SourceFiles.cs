namespace DeepDream;

/// <summary>
/// The files the library reads, seen through symbolic links: a link's own size is the length of its target's name, so a
/// link named <c>model.onnx</c> that points at <c>/dev/zero</c> or a FIFO must be judged by what it points at.
/// </summary>
internal static class SourceFiles
{
    /// <summary>
    /// The size of the file <paramref name="path"/> names, after following every symbolic link: 0 for empty files,
    /// pipes, FIFOs and devices (which report no size), so callers refuse those without opening them.
    /// </summary>
    /// <exception cref="IOException">A link loop, or the file vanished.</exception>
    public static long Length(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target) info = target;
        return info.Length;
    }
}
