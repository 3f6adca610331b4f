namespace DeepDream;

/// <summary>
/// The files the library reads, seen through symbolic links: a link's own size is the length of its target's name, so a
/// link named <c>model.onnx</c> that points at <c>/dev/zero</c> or a FIFO must be judged by what it points at. Also the
/// one place that tells whether two paths name the same file or folder (input against output guards).
/// </summary>
internal static class SourceFiles
{
    /// <summary>How many symbolic links one path may pass through before it is taken as a loop (Linux stops at 40).</summary>
    private const int MaxLinks = 40;

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

    /// <summary>
    /// Why <paramref name="path"/> cannot be read as an ordinary file without risk of blocking or reading forever, or null
    /// when it is a non-empty regular file (after following links). FIFOs, sockets and devices such as <c>/dev/zero</c>
    /// report no size, so they are told apart from regular files without being opened.
    /// </summary>
    public static string? NotRegularFile(string path)
    {
        try
        {
            return Length(path) > 0 ? null : "it is empty or not a regular file (a FIFO, socket or device)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"it cannot be examined ({e.Message})";
        }
    }

    /// <summary>Whether <paramref name="path"/> itself is a symbolic link (whatever it points at, even nothing).</summary>
    public static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    /// <summary>
    /// Whether two paths name the same file or folder: both made absolute, trailing separators dropped, and every symbolic
    /// link followed — the entry's own and its parent folders' — so <c>./frames/</c>, <c>frames/.</c> and a link to
    /// <c>frames</c> are all <c>frames</c>. Paths that do not exist yet are compared by their existing part.
    /// </summary>
    public static bool SameLocation(string first, string second) => PathComparer.Equals(Resolve(first), Resolve(second));

    /// <summary>Compares <see cref="Resolve(string)"/>d paths as <see cref="SameLocation"/> does (ignoring case where the file system does).</summary>
    public static StringComparer PathComparer =>
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>
    /// <paramref name="path"/> made absolute with every symbolic link along it followed (as <c>realpath</c> does; the part
    /// that does not exist is kept as written), without a trailing separator.
    /// </summary>
    public static string Resolve(string path)
    {
        var links = 0;
        return Resolve(Path.GetFullPath(path), ref links);
    }

    private static string Resolve(string full, ref int links)
    {
        var root = Path.GetPathRoot(full) ?? "";
        var current = root;
        var parts = full[root.Length..].Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            string? target = null;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            if (target is null || ++links > MaxLinks)
            {
                current = next;
                continue;
            }
            // A link's target is relative to the folder that holds the link; the target may hold links of its own.
            current = Resolve(Path.GetFullPath(target, current), ref links);
        }
        return Path.TrimEndingDirectorySeparator(current.Length == 0 ? full : current);
    }
}
