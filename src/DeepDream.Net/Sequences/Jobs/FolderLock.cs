namespace DeepDream.Sequences.Jobs;

/// <summary>
/// The lock that makes one run the only writer of a folder of resumable work (a sequence job, a batch): a plain file held
/// open without sharing, which the operating system releases when the process ends, also when it is killed.
/// </summary>
internal static class FolderLock
{
    /// <summary>
    /// The one lock file name of every kind of job (zoom, video, batch): a run of any kind keeps every other run out of its
    /// folder, so two runs never share one.
    /// </summary>
    public const string Name = ".deepdream-job.lock";

    /// <summary>Takes the lock file <see cref="Name"/> in the existing <paramref name="folder"/> (created when missing).</summary>
    /// <returns>The open lock; dispose it to release the folder.</returns>
    /// <exception cref="FrameSinkException">The lock file is a symbolic link, the folder is in use by another run, or the lock
    /// cannot be created.</exception>
    public static FileStream Take(string folder)
    {
        var path = Path.Combine(folder, Name);
        try
        {
            // Opening follows links: a lock linked elsewhere would create or truncate a file outside the folder.
            if (SourceFiles.IsLink(path)) throw new FrameSinkException($"The lock '{path}' is a symbolic link; a folder's lock must be a plain file. Remove the link.");
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (File.Exists(path))
        {
            throw new FrameSinkException($"The folder '{folder}' is in use by another run; wait for it to finish or stop it.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new FrameSinkException($"Cannot create or write the folder '{folder}': {e.Message}", e);
        }
    }
}
