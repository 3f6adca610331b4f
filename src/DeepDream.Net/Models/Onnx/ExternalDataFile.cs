namespace DeepDream.Models.Onnx;

/// <summary>
/// Finds the file an ONNX tensor's <c>external_data</c> points at, with the same rules as ONNX's own checker and more:
/// the location must be a relative path without <c>..</c>, and the file it names — after every symbolic link on the way
/// is followed — must lie inside the model's folder. A model downloaded from elsewhere therefore cannot make the loader
/// read <c>/etc/shadow</c>, a file in a parent folder, or anything a link leads to outside the folder. Messages name the
/// location and sizes, never the contents of any file.
/// </summary>
internal static class ExternalDataFile
{
    /// <summary>Symbolic links followed at most while resolving one path (Linux's own limit is 40).</summary>
    private const int MaxLinks = 40;

    private static readonly char[] Separators = ['/', '\\'];

    /// <summary>Returns the full path of the file <paramref name="location"/> names inside <paramref name="modelDirectory"/>.</summary>
    /// <exception cref="OnnxFormatException">The location is absolute, escapes the folder, or the file is missing or a folder.</exception>
    public static string Resolve(string modelDirectory, string location, string tensorName)
    {
        if (location.Length == 0) throw Refused(tensorName, location, "it names no file");
        if (location.Contains('\0', StringComparison.Ordinal))
            throw Refused(tensorName, location, "it contains a NUL character");
        if (Path.IsPathRooted(location) || location[0] is '/' or '\\')
            throw Refused(tensorName, location, "it is an absolute path; ONNX external data must be named relative to the model's folder");
        var parts = location.Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw Refused(tensorName, location, "it names no file");
        if (parts.Any(p => p == ".."))
            throw Refused(tensorName, location, "it contains '..'; ONNX external data must sit in the model's folder or below it");

        var folder = Path.GetFullPath(modelDirectory);
        var path = Path.GetFullPath(Path.Combine([folder, .. parts]));
        if (!IsInside(path, folder)) throw Refused(tensorName, location, "it points outside the model's folder");
        if (Directory.Exists(path)) throw new OnnxFormatException($"tensor '{tensorName}' is stored in '{location}', which is a folder, not a file");
        if (!File.Exists(path))
            throw new OnnxFormatException($"tensor '{tensorName}' is stored in the external file '{path}', which does not exist (it must sit next to the model, as '{location}')");

        // Links may lead anywhere: compare where the file really is with where the folder really is.
        var realFolder = RealPath(folder);
        var realPath = RealPath(path);
        if (!IsInside(realPath, realFolder))
            throw Refused(tensorName, location, "a symbolic link on the way leads outside the model's folder");
        return realPath;
    }

    /// <summary>Whether <paramref name="path"/> lies strictly below <paramref name="folder"/> (both full paths).</summary>
    internal static bool IsInside(string path, string folder)
    {
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var prefix = Path.EndsInDirectorySeparator(folder) ? folder : folder + Path.DirectorySeparatorChar;
        return path.Length > prefix.Length && path.StartsWith(prefix, comparison);
    }

    /// <summary>
    /// The path with every symbolic link (in any component, including the last) replaced by its target, and <c>.</c> /
    /// <c>..</c> applied to the real folders, as POSIX <c>realpath</c> does. Components that do not exist are kept as they are.
    /// </summary>
    /// <exception cref="OnnxFormatException">More than 40 links are followed (a link loop).</exception>
    internal static string RealPath(string fullPath)
    {
        var root = Path.GetPathRoot(fullPath) ?? "";
        var pending = new Stack<string>(fullPath[root.Length..].Split(Separators, StringSplitOptions.RemoveEmptyEntries).Reverse());
        var current = root;
        var links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }
            var candidate = Path.Combine(current, part);
            var target = LinkTarget(candidate);
            if (target is null)
            {
                current = candidate;
                continue;
            }
            if (++links > MaxLinks) throw new OnnxFormatException($"more than {MaxLinks} symbolic links were followed while resolving '{fullPath}' (a link loop)");
            // A relative target is relative to the folder that holds the link; an absolute one starts again at its root.
            var targetRoot = Path.GetPathRoot(target) ?? "";
            if (targetRoot.Length > 0) current = targetRoot;
            foreach (var p in target[targetRoot.Length..].Split(Separators, StringSplitOptions.RemoveEmptyEntries).Reverse()) pending.Push(p);
        }
        return current;
    }

    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // Missing or unreadable: nothing to follow; the caller's checks decide.
        }
    }

    private static OnnxFormatException Refused(string tensorName, string location, string why) =>
        new($"tensor '{tensorName}' is stored in the external file '{location}', which is refused: {why}");
}
